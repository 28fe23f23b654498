#!/usr/bin/env bash
# Implements: downloading the binary CIFAR-10 and CIFAR-100 distributions,
#   checked against their published MD5 sums. For machines with internet
#   access only; nothing in mnemo's build or tests depends on it.
# Usage: data/download_cifar.sh [DEST_DIR]
set -euo pipefail
dest=${1:-datasets}
mkdir -p "$dest"
cd "$dest"
fetch() {  # url md5
  local file
  file=$(basename "$1")
  [ -f "$file" ] || curl -fL -o "$file" "$1"
  echo "$2  $file" | md5sum -c -
  tar xzf "$file"
}
fetch https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz c32a1d4ab5d03f1284b67883e8d87530
fetch https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz 03b5dce01913d631647c71ecec9e9cb8
echo "CIFAR-10 in $dest/cifar-10-batches-bin, CIFAR-100 in $dest/cifar-100-binary"
