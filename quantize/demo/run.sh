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
build/bin/edgebert info --model build/resume-tiny.ebm --verify | head -n 30
build/bin/edgebert tag --model build/resume-tiny.ebm < quantize/demo/sample.txt
