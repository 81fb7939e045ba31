#!/usr/bin/env bash
# The README's first command: install deps, build, convert the bundled demo
# model (resume-tiny, F16 safetensors) and tag the sample sentences.
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
