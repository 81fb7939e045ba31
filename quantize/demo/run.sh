#!/usr/bin/env bash
# The README's first command: install deps, build, convert the bundled demo
# model (resume-tiny, F16 safetensors), tag the sample sentences, install the
# Python package (pip, offline, into the active virtualenv or else the user's
# site-packages) and tag a sentence from Python.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash ports/debian-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGEBERT_BUILD_TESTS=OFF
cmake --build build --target edgebert_cli edgebert-convert
PRECISION=${PRECISION:-int8}
build/bin/edgebert-convert --input quantize/demo/resume-tiny \
  --output build/resume-tiny.ebm --precision "$PRECISION" \
  --calibration quantize/demo/calibration.txt
build/bin/edgebert info --model build/resume-tiny.ebm --verify \
  > build/resume-tiny.info.json
echo "model summary (full JSON: build/resume-tiny.info.json):"
grep -E '^  "(precision|file_bytes|arena_bytes|highway_target|gemm_backend|checksum)"' \
  build/resume-tiny.info.json
build/bin/edgebert tag --model build/resume-tiny.ebm < quantize/demo/sample.txt

# Python package: builds the module in build/ and installs it.
if [[ -n "${VIRTUAL_ENV:-}" ]]; then
  py=$VIRTUAL_ENV/bin/python
  pip_args=()
else
  py=/usr/bin/python3
  pip_args=(--user --break-system-packages)  # Debian 12: PEP 668
fi
EDGEBERT_BUILD_DIR=build "$py" -m pip install -q --no-build-isolation \
  "${pip_args[@]}" ./runtime/python
echo "python:"
"$py" -c '
import edgebert
tagger = edgebert.Tagger(edgebert.Model("build/resume-tiny.ebm"))
print(tagger("高勇：男，中国国籍，无境外居留权，"))'
