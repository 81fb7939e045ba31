#!/usr/bin/env bash
# Installs the build and test dependencies from Debian 12 / Raspberry Pi OS
# bookworm packages. Idempotent; skips apt entirely when all are present.
# Usage: bash ports/debian-deps.sh [--cross]   (--cross adds the ARM cross
# compilers and qemu-user used by ports/cross_test.sh)
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config libhwy-dev libpthreadpool-dev
      libcpuinfo-dev libflatbuffers-dev flatbuffers-compiler doctest-dev
      libutf8proc-dev nlohmann-json3-dev libcli11-dev libleveldb-dev libsnappy-dev
      libxxhash-dev
      python3-dev pybind11-dev python3-numpy python3-pip python3-setuptools
      python3-wheel python3-pytest python3-dask python3-distributed)
arch=$(dpkg --print-architecture)
# Debian packages XNNPACK for amd64 and arm64 only.
case "$arch" in amd64|arm64) pkgs+=(libxnnpack-dev) ;; esac
if [[ "${1:-}" == "--cross" ]]; then
  pkgs+=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  echo "debian-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi
