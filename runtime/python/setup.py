"""Builds the native module with the project's CMake build, then packages it.

The extension edgebert._edgebert is the CMake target `_edgebert` of the
repository this directory belongs to (runtime/python/CMakeLists.txt).
Environment:
  EDGEBERT_BUILD_DIR  CMake build directory to use (default: <repo>/build-python;
                      an existing configured build such as <repo>/build is
                      reused, so only the module is compiled).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parents[2]


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("EDGEBERT_BUILD_DIR",
                                        ROOT / "build-python")).resolve()
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir),
                     "-DEDGEBERT_PYTHON=ON",
                     f"-DPython_EXECUTABLE={sys.executable}"]
        if not (build_dir / "CMakeCache.txt").exists():
            configure += ["-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                          "-DEDGEBERT_BUILD_TESTS=OFF"]
            if shutil.which("ccache"):
                configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache",
                              "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target",
                        "_edgebert"], check=True)
        built = list((build_dir / "python" / "edgebert").glob("_edgebert*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one _edgebert*.so in "
                               f"{build_dir}/python/edgebert, found {built}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(ext_modules=[Extension("edgebert._edgebert", sources=[])],
      cmdclass={"build_ext": CMakeBuild})
