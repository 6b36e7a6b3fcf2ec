#!/usr/bin/env bash
# Installs the system libraries distlab links against (Debian/Ubuntu). Run as root it installs
# what is missing; otherwise it prints the exact command to run.
set -euo pipefail
need=()
for pkg in libopenblas-dev libhdf5-dev hdf5-tools pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "distlab needs: ${need[*]}" >&2
  echo "run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
