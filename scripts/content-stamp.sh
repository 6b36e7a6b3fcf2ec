#!/usr/bin/env bash
# content-stamp.sh SRC STAMP
# Make compares modification times, but inputs can be written again with new times and unchanged
# bytes: a dataset copied or re-provisioned, a config or a model file on a fresh clone or a new
# machine (scripts/carry.sh brings a run's artifacts there). That would redo hours of samples and
# fine-tuning. This keeps STAMP holding SRC's SHA-256 and rewrites it (new mtime) only when the
# bytes change; the Makefile depends on the stamp instead of SRC. A new stamp takes SRC's own
# mtime (a folder's: its newest file's), so adding the stamp to an existing run changes nothing.
# SRC may be a folder (a Hugging Face model): then its files' names and bytes count. Prints the path to depend on:
# STAMP, or SRC itself while SRC does not exist yet (so make's rule that links the data runs first).
# STAMP.seen keeps SRC's size and mtime at the last check, so an unchanged file (a model of
# hundreds of MB, read at every make) is not hashed again; it is this machine's and not carried.
# Temp files are per process: two makes (the chain and a user's make -n) may check one input at once.
set -euo pipefail
src=${1:?usage: content-stamp.sh SRC STAMP}; stamp=${2:?usage: content-stamp.sh SRC STAMP}
if [ ! -e "$src" ]; then echo "$src"; exit 0; fi
seen="$stamp.seen"
if [ -d "$src" ]; then
  # A folder (a Hugging Face model): its files' names and contents; the key, every file's size and time.
  key=$( (cd "$src" && find -L . -type f -printf '%P %s %T@\n' | LC_ALL=C sort) | sha256sum | cut -d' ' -f1)
  newest=$(cd "$src" && find -L . -type f -printf '%T@\n' | sort -n | tail -1)
  key="$key ${newest:-0}"
else
  key=$(stat -L -c '%s %.9Y' "$src")
fi
if [ -f "$stamp" ] && [ -f "$seen" ] && [ "$(cat "$seen")" = "$key" ]; then echo "$stamp"; exit 0; fi
if [ -d "$src" ]; then
  sum=$( (cd "$src" && find -L . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1)
else
  sum=$(sha256sum < "$src" | cut -d' ' -f1)
fi
if [ -f "$stamp" ]; then
  if [ "$(cat "$stamp")" != "$sum" ]; then
    echo "$sum" > "$stamp.tmp.$$" && mv "$stamp.tmp.$$" "$stamp"
  fi
else
  mkdir -p "$(dirname "$stamp")"
  echo "$sum" > "$stamp.tmp.$$" && touch -d "@${key##* }" "$stamp.tmp.$$" && mv "$stamp.tmp.$$" "$stamp"
fi
# A file written in the last 2 s could be written again within the clock's granularity with the
# same size and time (git's "racily clean" case): it is not remembered, so the next check hashes it.
mt=${key#* }
if [ $(( $(date +%s) - ${mt%.*} )) -ge 2 ]; then echo "$key" > "$seen.tmp.$$" && mv "$seen.tmp.$$" "$seen"; else rm -f "$seen"; fi
echo "$stamp"
