#!/usr/bin/env python3
"""Checks that includes only point down the layers and form no cycle.

Walks every `#include "..."` of our code (runtime/, quantize/, schema/,
tests/, bench/) and fails (exit 1, one line per problem) on
  - an include from a lower layer into a higher one (or between two folders
    of the same layer),
  - a file-level include cycle,
  - an include of one of our folders that names no file in the tree (except
    generated headers).

Layers, lowest first; a file may include its own folder and any folder of a
lower layer (derived from the tree: every edge below exists in the code or
is allowed by the design, none points up):
  0  runtime/base (Status), schema/ (the model file contract, generated)
  1  runtime/quant (int8 codec, header-only)
  2  runtime/kernels (Highway kernels, int8 GEMM)
  3  runtime/ops (f32 GEMM backends)
  4  runtime/tokenizer
  5  runtime/head (entities, windows, CRF; uses tokenizer tokens)
  6  runtime/model (model file, encoder, layers)
  7  runtime/api (public API)
  8  runtime/cli, quantize/ (the converter with its subfolders readers/,
     tf/, int8/, writer/; uses the runtime, never the reverse)
  9  tests/, bench/

Usage: check_includes.py [REPO_ROOT]   (default: the repository holding this
script). Registered as the ctest test `include_check`.
"""

import os
import re
import sys

LAYERS = [
    ["runtime/base", "schema"],
    ["runtime/quant"],
    ["runtime/kernels"],
    ["runtime/ops"],
    ["runtime/tokenizer"],
    ["runtime/head"],
    ["runtime/model"],
    ["runtime/api"],
    ["runtime/cli", "quantize"],
    ["tests", "bench"],
]
ROOTS = ["runtime", "quantize", "schema", "tests", "bench"]
SOURCE_EXT = (".h", ".hpp", ".cc", ".cpp", ".c")
# Written by the build (flatc), not in the tree.
GENERATED = {"schema/edgebert_generated.h"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)


def layer_of(path):
    """(layer index, folder) of a repo-relative path, or None if not ours."""
    best = None
    for rank, folders in enumerate(LAYERS):
        for folder in folders:
            if path == folder or path.startswith(folder + "/"):
                if best is None or len(folder) > len(best[1]):
                    best = (rank, folder)
    return best


def source_files(root):
    for top in ROOTS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames
                                 if d not in ("node_modules", "__pycache__"))
            for name in sorted(filenames):
                if name.endswith(SOURCE_EXT):
                    full = os.path.join(dirpath, name)
                    yield os.path.relpath(full, root).replace(os.sep, "/")


def find_cycle(graph):
    """One include cycle as a list of files, or None (iterative DFS)."""
    color = {}
    for start in sorted(graph):
        if color.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        color[start] = 1
        path = [start]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                color[node] = 2
                stack.pop()
                path.pop()
            elif color.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not color.get(child):
                color[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


def check(root):
    problems = []
    graph = {}
    files = list(source_files(root))
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8",
                  errors="replace") as fh:
            text = fh.read()
        src = layer_of(f)
        graph[f] = set()
        for inc in INCLUDE_RE.findall(text):
            dst = layer_of(inc)
            if dst is None:
                continue  # third-party (hwy/, nlohmann/, ...).
            if not os.path.isfile(os.path.join(root, inc)):
                if inc not in GENERATED:
                    problems.append(f"{f}: includes {inc}, which does not exist")
                continue
            if inc != f:
                graph[f].add(inc)
            if src is None or src[1] == dst[1]:
                continue
            if dst[0] >= src[0]:
                problems.append(
                    f"{f}: includes {inc}: {src[1]} (layer {src[0]}) may only "
                    f"include lower layers, {dst[1]} is layer {dst[0]}")
    cycle = find_cycle(graph)
    if cycle:
        problems.append("include cycle: " + " -> ".join(cycle))
    return files, problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..")
    files, problems = check(os.path.abspath(root))
    for p in problems:
        print("check_includes: " + p)
    if not files:
        print("check_includes: no source files under " + root)
        return 1
    if problems:
        return 1
    print(f"check_includes: {len(files)} files, includes point down, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
