#!/usr/bin/env bash
# content-stamp.sh SRC STAMP
# Make compares modification times, but the raw datasets can be copied or re-provisioned with
# new times and unchanged bytes, which would redo hours of samples and fine-tuning. This keeps
# STAMP holding SRC's SHA-256 and rewrites it (new mtime) only when the bytes change; the
# Makefile depends on the stamp instead of SRC. A new stamp takes SRC's own mtime, so adding the
# stamp to an existing run changes nothing. Prints the path to depend on: STAMP, or SRC itself
# while SRC does not exist yet (so make's rule that links the data runs first).
set -euo pipefail
src=${1:?usage: content-stamp.sh SRC STAMP}; stamp=${2:?usage: content-stamp.sh SRC STAMP}
if [ ! -f "$src" ]; then echo "$src"; exit 0; fi
sum=$(sha256sum < "$src" | cut -d' ' -f1)
if [ -f "$stamp" ]; then
  if [ "$(cat "$stamp")" != "$sum" ]; then
    echo "$sum" > "$stamp.tmp" && mv "$stamp.tmp" "$stamp"
  fi
else
  mkdir -p "$(dirname "$stamp")"
  echo "$sum" > "$stamp.tmp" && touch -r "$src" "$stamp.tmp" && mv "$stamp.tmp" "$stamp"
fi
echo "$stamp"
