#!/usr/bin/env bash
# Installs the system libraries distlab links against (Debian/Ubuntu). Run as root it installs
# what is missing; otherwise it prints the exact command to run.
set -euo pipefail
need=()
for pkg in libopenblas-dev libhdf5-dev hdf5-tools pkg-config xz-utils; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
# h5py (optional): the test that opens an artifact with plain h5py, as a user would, needs it.
# Installed from PyPI when python3 is there and it is missing; without network the test skips.
if command -v python3 >/dev/null && ! python3 -c "import h5py, numpy" 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check h5py numpy >/dev/null 2>&1 \
    && echo "installed h5py (PyPI) for the h5py artifact test" \
    || echo "note: could not install h5py; the h5py artifact test will be skipped" >&2
fi
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
