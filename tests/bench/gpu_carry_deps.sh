#!/usr/bin/env bash
# Tool (run on a Debian 12 machine with apt, e.g. the development machine):
#   downloads the Debian packages that a GPU machine without Open MPI, HDF5
#   or mnemo's other libraries needs to build and run mnemo, into DIR
#   (default .gpu-deps). gpu_bench.sh unpacks them there with dpkg -x into
#   a private prefix (never into /).
#   What is fetched: the development packages mnemo builds against, the
#   Open MPI launcher, and every package that owns a shared library their
#   libraries, programs and Open MPI plugins need (read with ldd here),
#   except the C and C++ runtimes (libc6, libgcc-s1, libstdc++6), which any
#   Linux GPU machine has in a newer, compatible version.
# Usage: tests/bench/gpu_carry_deps.sh [DIR]
set -euo pipefail
dir=${1:-.gpu-deps}
dev=(libopenmpi-dev openmpi-bin openmpi-common libhdf5-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
     nlohmann-json3-dev libcli11-dev libgtest-dev libssl-dev zlib1g-dev)
missing=()
for p in "${dev[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing here first (to read their library needs): ${missing[*]}"
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
# Every ELF file of the development packages and of the library packages
# their .so symlinks point into, then the packages owning what those load.
# (dpkg -S by path; with merged /usr, dpkg may know a library under /lib.)
owners() { while read -r f; do dpkg -S "$f" 2>/dev/null || dpkg -S "${f#/usr}" 2>/dev/null || true; done |
           cut -d: -f1 | tr ',' '\n' | sed 's/ //g' | sort -u; }
libs=$(for p in "${dev[@]}"; do dpkg -L "$p"; done | grep -E '\.so$' | xargs -r readlink -f | owners)
elves=$(for p in "${dev[@]}" $libs; do dpkg -L "$p"; done | sort -u | while read -r f; do
  if [ -f "$f" ] && [ ! -L "$f" ] && head -c4 "$f" | grep -q ELF; then echo "$f"; fi; done)
needed=$({ echo "$elves" | xargs -r ldd 2>/dev/null || true; } | awk '/=> \//{print $3}' | xargs -r readlink -f | owners)
keep=$(printf '%s\n' "${dev[@]}" $libs $needed | grep -vxE 'libc6|libgcc-s1|libstdc\+\+6' | sort -u)
mkdir -p "$dir"
(cd "$dir" && rm -f ./*.deb && apt-get download $keep >/dev/null)
echo "$(ls "$dir"/*.deb | wc -l) packages, $(du -sh "$dir" | cut -f1) in $dir:"
ls "$dir" | sed 's/_.*//' | tr '\n' ' '
echo
