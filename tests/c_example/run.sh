#!/usr/bin/env bash
# The C example against the *installed* tree: `cmake --install` of the build
# into a temporary prefix, then tag_lines.c built via pkg-config and via
# find_package(edgebert), both run on quantize/demo/sample.txt with the demo
# model; both must print exactly the entities of `edgebert tag`, and
# libedgebert.so must export nothing but eb_* symbols.
# Usage: bash tests/c_example/run.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath "${1:-build}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
lib=$(find "$prefix" -name libedgebert.so)
libdir=$(dirname "$lib")

stray=$(nm -D --defined-only "$lib" | awk '$3 !~ /^eb_/ && $2 != "A"')
if [[ -n "$stray" ]]; then
  echo "c_example: libedgebert.so exports non-eb_ symbols:"; echo "$stray"
  exit 1
fi

model=$tmp/demo.ebm
"$build/bin/edgebert-convert" --input quantize/demo/resume-tiny \
  --output "$model" --precision int8 --quiet > /dev/null
sample=quantize/demo/sample.txt

# 1. pkg-config
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c99 -Wall -Wextra -Werror -pedantic tests/c_example/tag_lines.c \
  $(pkg-config --cflags --libs edgebert) -o "$tmp/tag_lines_pc"
LD_LIBRARY_PATH=$libdir "$tmp/tag_lines_pc" "$model" < "$sample" \
  > "$tmp/pkgconfig.tsv"

# 2. find_package(edgebert) (CMake puts the library's directory in the rpath)
cmake -S tests/c_example -B "$tmp/b" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/cmake.log"
cmake --build "$tmp/b" > "$tmp/build.log"
"$tmp/b/tag_lines" "$model" 2 < "$sample" > "$tmp/find_package.tsv"

# Expected: the CLI's entities in tag_lines' format.
"$build/bin/edgebert" tag --model "$model" < "$sample" | /usr/bin/python3 -c '
import json, sys
for i, line in enumerate(sys.stdin):
    j = json.loads(line)
    if "error" in j:
        print(i, "error", "INVALID_ARGUMENT", sep="\t")
    for e in j.get("entities", []):
        print(i, e["entity_group"], e["word"], e["start"], e["end"],
              e["start_byte"], e["end_byte"], "%.4f" % e["score"], sep="\t")
' > "$tmp/cli.tsv"

[[ -s "$tmp/cli.tsv" ]] || { echo "c_example: the CLI found no entities"; exit 1; }
diff "$tmp/cli.tsv" "$tmp/pkgconfig.tsv"
diff "$tmp/cli.tsv" "$tmp/find_package.tsv"
echo "c_example: OK ($(wc -l < "$tmp/cli.tsv") entities; pkg-config and" \
     "find_package builds match edgebert tag)"
