#!/usr/bin/env bash
# make_sysroot.sh ARCH DIR
#
# Builds a cross "sysroot" for edgebert's third-party libraries by extracting
# the target-architecture Debian bookworm packages into DIR (dpkg -x, nothing
# is installed on the host). ARCH is a Debian architecture: arm64 | armhf.
#
# The C library and libstdc++ of the target are NOT in DIR: they come from the
# cross compiler packages (g++-aarch64-linux-gnu / g++-arm-linux-gnueabihf,
# under /usr/<triple>); the toolchain files search both places.
#
# Needs root the first time per machine (dpkg --add-architecture, apt-get
# update). Re-runs are a no-op when DIR/.edgebert-sysroot holds the same
# package list. Set EDGEBERT_SYSROOT_FORCE=1 to rebuild.
set -euo pipefail

usage() { echo "usage: $0 arm64|armhf DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
arch=$1
dir=$(realpath -m "$2")
if [[ "$dir" == / ]]; then
  echo "make_sysroot: DIR must not be /" >&2
  exit 2
fi

# Target-arch packages: runtime libs + their -dev packages (headers and .so
# links). XNNPACK/cpuinfo are included for armhf as well (bookworm ships them
# for armhf too) so EDGEBERT_XNNPACK=AUTO can be tried there; the armhf
# toolchain defaults EDGEBERT_XNNPACK to OFF.
pkgs_arch=(
  libhwy-dev libhwy1
  libpthreadpool-dev libpthreadpool0
  libutf8proc-dev libutf8proc2
  libflatbuffers-dev libflatbuffers2
  libxnnpack-dev libxnnpack0
  libcpuinfo-dev libcpuinfo0
  libleveldb-dev libleveldb1d libsnappy-dev libsnappy1v5
  libxxhash-dev
)
# Architecture-independent header-only packages (Architecture: all).
pkgs_all=(nlohmann-json3-dev libcli11-dev doctest-dev)

case "$arch" in
  arm64|armhf) ;;
  *) usage ;;
esac

stamp_file="$dir/.edgebert-sysroot"
stamp="arch=$arch pkgs=${pkgs_arch[*]} all=${pkgs_all[*]} layout=1"
if [[ -z "${EDGEBERT_SYSROOT_FORCE:-}" && -f "$stamp_file" ]] &&
   [[ "$(cat "$stamp_file")" == "$stamp" ]]; then
  echo "make_sysroot: $dir is up to date ($arch)"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo_cmd=(sudo); fi
fi

# apt-get download of foreign packages needs the architecture registered and
# its package lists fetched.
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "make_sysroot: dpkg --add-architecture $arch"
  "${sudo_cmd[@]}" dpkg --add-architecture "$arch"
fi

# Prints the first package without an installable candidate; fails if any.
have_candidates() {
  apt-cache policy "${pkgs_arch[@]/%/:$arch}" "${pkgs_all[@]}" 2>/dev/null |
    awk -v want="$((${#pkgs_arch[@]} + ${#pkgs_all[@]}))" '
      /^[^ ]/ { pkg = $1; sub(/:$/, "", pkg); n++ }
      /Candidate:/ { if ($2 == "(none)") { print pkg; bad = 1 } else ok++ }
      END { exit (bad || ok < want) ? 1 : 0 }'
}

if ! missing=$(have_candidates); then
  # A mirror that is mid-sync can fail one index (apt then exits 0 or 100 and
  # keeps the other lists): retry a few times, then check what matters.
  for attempt in 1 2 3; do
    echo "make_sysroot: apt-get update (attempt $attempt; $missing has no" \
         "candidate for $arch)"
    "${sudo_cmd[@]}" apt-get update -qq || true
    if missing=$(have_candidates); then break; fi
    sleep $((attempt * 5))
  done
  if ! missing=$(have_candidates); then
    echo "make_sysroot: error: package(s) ${missing:-?} have no installable" \
         "candidate after apt-get update" >&2
    exit 1
  fi
fi

# Rebuilding a sysroot this script made: drop the old tree so files of
# packages or versions no longer listed do not linger.
if [[ -f "$dir/.edgebert-packages" ]]; then
  rm -rf "${dir:?}/usr" "${dir:?}/lib" "${dir:?}/etc" "$stamp_file"
fi
mkdir -p "$dir"
debs="$dir/.debs"
rm -rf "$debs"
mkdir -p "$debs"
# _apt (apt's download sandbox user) must be able to write here, or apt-get
# warns and downloads unsandboxed; both work.
chmod 777 "$debs" 2>/dev/null || true
(
  cd "$debs"
  for attempt in 1 2 3; do
    if apt-get download -qq "${pkgs_arch[@]/%/:$arch}" "${pkgs_all[@]}"; then
      exit 0
    fi
    echo "make_sysroot: apt-get download failed (attempt $attempt)" >&2
    sleep $((attempt * 5))
  done
  exit 1
)

for deb in "$debs"/*.deb; do
  dpkg -x "$deb" "$dir"
done

# Debian -dev packages ship relative .so links; an absolute one would point
# into the host's /usr/lib and must be rewritten to stay inside DIR.
while IFS= read -r link; do
  target=$(readlink "$link")
  if [[ "$target" == /* ]]; then
    ln -sfn "$dir$target" "$link"
  fi
done < <(find "$dir/usr" "$dir/lib" -type l 2>/dev/null || true)

{
  echo "# extracted by ports/make_sysroot.sh on $(date -u +%FT%TZ)"
  for deb in "$debs"/*.deb; do
    dpkg-deb -f "$deb" Package Version Architecture | paste -sd' '
  done
} >"$dir/.edgebert-packages"
rm -rf "$debs"
echo "$stamp" >"$stamp_file"
echo "make_sysroot: $dir ready ($arch):"
sed 1d "$dir/.edgebert-packages" | sed 's/^/  /'
