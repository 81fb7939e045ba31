// Test environment facts shared by the suites.
#ifndef EDGEBERT_TESTS_TEST_ENV_H_
#define EDGEBERT_TESTS_TEST_ENV_H_

#include <doctest/doctest.h>
#include <errno.h>
#include <stdlib.h>
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace edgebert::testing {

// True under qemu-user (ports/qemu-run.sh sets EDGEBERT_EMULATED=1 for the
// guest). Emulation is 20-100x slower, so suites cap the row count m of their
// largest GEMM shapes: every k / n blocking path and every target is still
// exercised, only with fewer rows.
inline bool Emulated() {
  const char* v = std::getenv("EDGEBERT_EMULATED");
  return v != nullptr && v[0] == '1';
}
// True where the SIGBUS-recovery tests (runtime/model/mapping_guard.h) do
// not run: under qemu-user emulating a CPU with SVE (-cpu max), where qemu
// 7.2 crashes delivering the signal (seen in the cross suite), and under
// 32-bit Arm emulation, where it was never verified. They run natively and
// under qemu cortex-a72 / cortex-a76 (passed).
inline bool SigbusRecoveryUnverifiedHere() {
  if (!Emulated()) return false;
#if defined(__aarch64__)
  return (getauxval(AT_HWCAP) & HWCAP_SVE) != 0;
#else
  return true;
#endif
}
inline size_t CapRowsWhenEmulated(size_t m) {
  constexpr size_t kEmulatedMaxRows = 16;
  return Emulated() && m > kEmulatedMaxRows ? kEmulatedMaxRows : m;
}

// Test cases that need ../shared are tagged `* doctest::test_suite("shared")`
// (ctest runs them as <suite>_shared) and call Skip() when it is absent:
// doctest_main.cc then makes ctest report them skipped, not passed.
inline int& SkippedTestCasesRef() {
  static int n = 0;
  return n;
}
inline int SkippedTestCases() { return SkippedTestCasesRef(); }
inline void Skip(const std::string& why) {
  MESSAGE("SKIPPED: " << why);
  ++SkippedTestCasesRef();
}

// The files a test process writes go into one directory, made on first use:
// <system temp dir>/edgebert_<program name>_XXXXXX. doctest_main.cc removes it
// when every test passed and keeps it (printing its path) when one failed, so
// that the files of a failure can be examined; EDGEBERT_KEEP_TEST_FILES=1
// keeps it always. A process that crashes leaves its directory behind.
inline std::atomic<bool>& ScratchDirMade() {
  static std::atomic<bool> made{false};
  return made;
}
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    std::string tmpl =
        (std::filesystem::temp_directory_path() /
         ("edgebert_" + std::string(program_invocation_short_name) + "_XXXXXX"))
            .string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror(("mkdtemp " + tmpl).c_str());
      std::abort();  // no test that writes files can run.
    }
    ScratchDirMade().store(true);
    return std::filesystem::path(tmpl);
  }();
  return dir;
}
inline std::string ScratchPath(const std::string& name) {
  return (ScratchDir() / name).string();
}
// Called by main() after the run: see ScratchDir().
inline void FinishScratchDir(bool passed) {
  if (!ScratchDirMade().load()) return;
  const char* keep = std::getenv("EDGEBERT_KEEP_TEST_FILES");
  if (passed && !(keep != nullptr && keep[0] == '1')) {
    std::error_code ec;
    std::filesystem::remove_all(ScratchDir(), ec);
  } else {
    std::fprintf(stderr, "test files kept in %s\n", ScratchDir().c_str());
  }
}

// A fresh directory under the system temp dir, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const char* prefix = "edgebert") {
    std::string tmpl = (std::filesystem::temp_directory_path() /
                        (std::string(prefix) + "_XXXXXX"))
                           .string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const {
    return (path / name).string();
  }
};

}  // namespace edgebert::testing

#endif  // EDGEBERT_TESTS_TEST_ENV_H_
