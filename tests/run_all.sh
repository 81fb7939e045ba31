#!/usr/bin/env bash
# The README's second command (and what .ci/run calls): install deps, build
# everything, run the whole doctest suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ports/debian-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
ctest --test-dir build --output-on-failure --timeout 900
