#!/usr/bin/env bash
# The README's second command (and what .ci/run calls): install deps, build
# everything, run the whole doctest suite natively with ctest, then the same
# suite cross-built for arm64 (under qemu: cortex-a72 = Pi 4, cortex-a76 =
# Pi 5, max = SVE2) and armhf (cortex-a7), each followed by the x86
# consistency check (tests/cross_consistency.sh). After the native ctest:
# the Python package's pytest suite (tests/python) and the C example built
# against the installed tree (tests/c_example/run.sh); both must pass.
#   --native-only   skip the ARM suites (a few minutes instead of ~30).
set -uo pipefail
cd "$(dirname "$0")/.."
native_only=0
[[ "${1:-}" == "--native-only" ]] && native_only=1

extra=()
((native_only)) || extra=(--cross)
bash ports/debian-deps.sh "${extra[@]}" || exit 1
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGEBERT_PYTHON=ON \
  || exit 1
cmake --build build || exit 1
ctest --test-dir build --output-on-failure --timeout 900
status=$?
native=$status
PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python -q \
  -p no:cacheprovider
py=$?
bash tests/c_example/run.sh build
c=$?
((py == 0 && c == 0)) || status=1
echo "== run_all: ctest $( ((native == 0)) && echo ok || echo FAILED), pytest $( ((py == 0)) && echo ok || echo FAILED)," \
     "c_example $( ((c == 0)) && echo ok || echo FAILED)"
((native_only)) && exit $status

declare -A cross
for arch in arm64 armhf; do
  if bash ports/cross_test.sh "$arch"; then cross[$arch]=passed; else
    cross[$arch]=FAILED; status=1; fi
done
echo "== run_all: native $( ((status == 0)) && echo ok || echo see above)," \
     "arm64 ${cross[arm64]}, armhf ${cross[armhf]}"
exit $status
