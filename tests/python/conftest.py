"""Fixtures of the Python package tests (tests/python).

The package is imported from <build>/python (PYTHONPATH, set up below and
inherited by Dask worker processes); the CLI from <build>/bin. Corpus: PD dev
with pd-tiny when ../shared has them, else the committed demo model
(quantize/demo/resume-tiny) with quantize/demo/{sample,calibration}.txt.
Environment: EDGEBERT_BUILD_DIR (default <repo>/build), EDGEBERT_SHARED_DIR
(default <repo>/../shared).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("EDGEBERT_BUILD_DIR", ROOT / "build")).resolve()
SHARED = Path(os.environ.get("EDGEBERT_SHARED_DIR",
                             ROOT.parent / "shared")).resolve()
CLI = BUILD / "bin" / "edgebert"

_pkg = str(BUILD / "python")
if _pkg not in sys.path:
    sys.path.insert(0, _pkg)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (_pkg, os.environ.get("PYTHONPATH")) if p)

import edgebert  # noqa: E402
from bio_texts import bio_texts  # noqa: E402


_CORPUS_NOTE = []


def pytest_terminal_summary(terminalreporter):
    for note in _CORPUS_NOTE:
        terminalreporter.write_line(f"edgebert tests: corpus = {note}")


@pytest.fixture(scope="session")
def corpus():
    """(name, checkpoint dir, texts)."""
    pd_tiny = SHARED / "models" / "pd-tiny"
    pd_dev = SHARED / "data" / "peoples_daily" / "example.dev"
    if pd_tiny.is_dir() and pd_dev.is_file():
        texts = bio_texts(pd_dev)
        _CORPUS_NOTE.append(f"pd-tiny on PD dev ({len(texts)} sentences)")
        return "pd-tiny on PD dev", pd_tiny, texts
    demo = ROOT / "quantize" / "demo"
    texts = []
    for name in ("sample.txt", "calibration.txt"):
        for raw in (demo / name).read_bytes().splitlines():
            try:  # sample.txt has a line of invalid UTF-8 on purpose
                texts.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                pass
    _CORPUS_NOTE.append(
        f"{SHARED} has no pd-tiny / PD dev: the demo model resume-tiny on "
        f"quantize/demo text ({len(texts)} lines) instead")
    return "demo resume-tiny on demo text", demo / "resume-tiny", texts


@pytest.fixture(scope="session")
def models(corpus, tmp_path_factory):
    """{"f32": path, "int8": path} converted with edgebert.convert."""
    out = tmp_path_factory.mktemp("models")
    paths = {}
    for precision in ("f32", "int8"):
        paths[precision] = out / f"model-{precision}.ebm"
        edgebert.convert(corpus[1], paths[precision], precision=precision,
                         progress=False)
    return paths


def run_cli(model_path, texts, tokens=False):
    """`edgebert tag` on texts (one per line): the parsed JSON lines."""
    cmd = [str(CLI), "tag", "--model", str(model_path)]
    if tokens:
        cmd.append("--tokens")
    out = subprocess.run(cmd, input="\n".join(texts) + "\n", check=True,
                         capture_output=True, text=True, encoding="utf-8")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == len(texts)
    return lines


@pytest.fixture(scope="session")
def cli_entities(models, corpus):
    """precision -> the CLI's entity lists of every corpus text."""
    return {p: [line["entities"] for line in run_cli(path, corpus[2])]
            for p, path in models.items()}


def pytest_configure(config):
    # Debian's tornado 6.2 under distributed 2022.12: not ours to fix.
    config.addinivalue_line(
        "filterwarnings", "ignore:make_current is deprecated:DeprecationWarning")
