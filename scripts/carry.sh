#!/usr/bin/env bash
# Carries a run's finished, weight-free artifacts from one machine to the next through the
# repository. A full replication is ≈35 h of stage time on 2 cores, a session 3 h, and a session's
# machine is not always kept: without this every new machine starts from raw data again.
#
#   scripts/carry.sh save ART [CARRY]       snapshot ART into CARRY (default results/run-artifacts)
#   scripts/carry.sh restore [CARRY] ART    put a snapshot back into ART (a new machine's run)
#   scripts/carry.sh verify [CARRY]         check every carried file against the manifest
#
# What is carried: every HDF5 artifact (splits, samples, evaluations, answers, breakdowns, probes,
# predictions, training logs, the finished chunks of partial sampling/labels runs), the content
# stamps under ART/inputs/ and the timing ledger with its heartbeat rows. Never carried: paper A's
# splits (they hold the datasets' texts, which are not committed; prepare-splits makes them again),
# weights
# (any model/, checkpoint/ or hf/ folder, *.safetensors, *.gguf, *.bin), temp files, logs, and any
# file over CARRY_MAX_MB (default 32; said on stderr). A fine-tuned model is thus made again on a
# new machine only if a stage still needs it (the Makefile marks it .SECONDARY: once its samples
# exist it is not needed).
#
# Layout of CARRY: manifest.tsv (path, sha256 and size of the uncompressed file, mtime in ns) and
# files/<path>.xz (xz -6, single-threaded, so the same file always gives the same bytes and an
# unchanged artifact adds nothing to the next commit). Paths in the ledger are stored relative to
# ART (prefix @ART@) so a restore can target another folder.
# The mtimes matter: make compares them, and a restore gives each file back its recorded time so
# that the finished targets are newer than their (content-stamped) inputs, as on the old machine.
# A restore verifies everything before it writes anything, and never replaces a file ART already
# has (that copy is newer work of this machine).
set -euo pipefail
MAX_BYTES=$(( ${CARRY_MAX_MB:-32} * 1024 * 1024 ))
TOKEN='@ART@'
die() { echo "carry: $*" >&2; exit 1; }
# Scratch folders of this invocation, removed however it ends.
SCRATCH=()
trap 'rm -rf "${SCRATCH[@]}"' EXIT
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Files of ART that are carried, relative to ART, one per line, sorted.
carried_files() {
  local art=$1
  (cd "$art" && find . -type f \( -name '*.h5' -o -path './inputs/*.sha256' -o -path './timings.tsv' -o -path './timings.tsv.partial/*.tsv' \) \
      -not -path '*/model/*' -not -path '*/checkpoint/*' -not -path '*/hf/*' -not -path './.carry-restore.*' \
      -not -path './paperA/*/splits.h5' \
      -not -name '*.tmp*' -not -name '*.safetensors' -not -name '*.gguf' -not -name '*.bin' \
      -printf '%P\n') | LC_ALL=C sort
}

# The bytes carried for a file: ledger rows name targets by absolute path, stored relative to ART.
carried_bytes() {
  local art=$1 rel=$2
  case $rel in
    timings.tsv|timings.tsv.partial/*) sed "s#^$art/#$TOKEN/#" "$art/$rel" ;;
    *) cat "$art/$rel" ;;
  esac
}

save() {
  local art carry
  art=$(cd "${1:?usage: carry.sh save ART [CARRY]}" && pwd) || die "no artifacts folder $1"
  carry=${2:-results/run-artifacts}
  mkdir -p "$carry/files"
  carry=$(cd "$carry" && pwd)
  exec 9>"/tmp/distlab-carry-$(printf %s "$carry" | cksum | cut -d" " -f1).lock"
  flock -n 9 || die "another save into $carry is running"
  local old="$carry/manifest.tsv" new="$carry/manifest.tsv.tmp" tmp
  tmp=$(mktemp -d); SCRATCH+=("$tmp")
  printf 'path\tsha256\tbytes\tmtime_ns\n' > "$new"
  local n=0 fresh=0 skipped=0 rel sum size mt prev
  while IFS= read -r rel; do
    [ -f "$art/$rel" ] || continue                 # gone since the listing (a merged chunk)
    size=$(stat -c %s "$art/$rel")
    if [ "$size" -gt "$MAX_BYTES" ]; then
      echo "carry: not carried (over CARRY_MAX_MB=${CARRY_MAX_MB:-32}): $rel, $size bytes" >&2
      skipped=$((skipped + 1)); continue
    fi
    mt=$(stat -c %.9Y "$art/$rel")
    carried_bytes "$art" "$rel" > "$tmp/f" || continue
    sum=$(sha256sum < "$tmp/f" | cut -d' ' -f1)
    size=$(stat -c %s "$tmp/f")
    prev=$(awk -F'\t' -v p="$rel" '$1 == p { print $2 }' "$old" 2>/dev/null || true)
    if [ "$prev" != "$sum" ] || [ ! -f "$carry/files/$rel.xz" ]; then
      mkdir -p "$(dirname "$carry/files/$rel")"
      xz -6 -T1 -c < "$tmp/f" > "$carry/files/$rel.xz.tmp"
      mv "$carry/files/$rel.xz.tmp" "$carry/files/$rel.xz"
      fresh=$((fresh + 1))
    fi
    printf '%s\t%s\t%s\t%s\n' "$rel" "$sum" "$size" "$mt" >> "$new"
    n=$((n + 1))
  done < <(carried_files "$art")
  mv "$new" "$old"
  # Blobs of files no longer in ART (chunks merged into their artifact, a deleted output).
  local gone=0 blob
  while IFS= read -r blob; do
    rel=${blob%.xz}
    if ! awk -F'\t' -v p="$rel" 'NR > 1 && $1 == p { found = 1 } END { exit !found }' "$old"; then
      rm -f "$carry/files/$blob"; gone=$((gone + 1))
    fi
  done < <(cd "$carry/files" && find . -type f -printf '%P\n')
  find "$carry/files" -type d -empty -delete
  mkdir -p "$carry/files"
  echo "carry: saved $n files from $art into $carry ($fresh new or changed, $gone dropped, $skipped too large); $(du -sh "$carry/files" | cut -f1) compressed"
}

# Decompresses every carried file into DIR and checks it against the manifest.
unpack_verified() {
  local carry=$1 dir=$2 rel sum size mt got
  [ -f "$carry/manifest.tsv" ] || die "$carry/manifest.tsv: no manifest (nothing was saved there)"
  head -1 "$carry/manifest.tsv" | grep -q $'^path\tsha256\tbytes\tmtime_ns$' || die "$carry/manifest.tsv: line 1: not a carry manifest header"
  local line=1
  while IFS=$'\t' read -r rel sum size mt; do
    line=$((line + 1))
    [ -n "$rel" ] && [ ${#sum} -eq 64 ] && [ -n "$mt" ] || die "$carry/manifest.tsv: line $line: malformed row"
    case $rel in /*|*..*) die "$carry/manifest.tsv: line $line: path outside the artifacts folder: $rel" ;; esac
    [ -f "$carry/files/$rel.xz" ] || die "$carry/files/$rel.xz: missing (manifest line $line)"
    mkdir -p "$(dirname "$dir/$rel")"
    xz -dc < "$carry/files/$rel.xz" > "$dir/$rel" 2>/dev/null || die "$carry/files/$rel.xz: not a valid xz file (manifest line $line)"
    got=$(sha256sum < "$dir/$rel" | cut -d' ' -f1)
    [ "$got" = "$sum" ] || die "$carry/files/$rel.xz: sha256 $got, manifest line $line says $sum"
    touch -d "@$mt" "$dir/$rel"
  done < <(tail -n +2 "$carry/manifest.tsv")
}

restore() {
  local carry=${1:?usage: carry.sh restore [CARRY] ART} art=${2:-}
  if [ -z "$art" ]; then art=$carry; carry=results/run-artifacts; fi
  [ -d "$carry" ] || die "no carry folder $carry"
  mkdir -p "$art"
  art=$(cd "$art" && pwd)
  local stage
  stage=$(mktemp -d "$art/.carry-restore.XXXXXX"); SCRATCH+=("$stage")
  unpack_verified "$carry" "$stage"
  local restored=0 kept=0 differs=0 rel sum size mt mine f
  while IFS=$'\t' read -r rel sum size mt; do
    f="$stage/$rel"
    case $rel in
      timings.tsv|timings.tsv.partial/*) sed -i "s#^$TOKEN/#$art/#" "$f"; touch -d "@$mt" "$f" ;;
    esac
    if [ "$rel" = timings.tsv ] && [ -f "$art/timings.tsv" ]; then
      # Both machines' runs count: rows of the carried ledger that this one lacks are added.
      awk 'NR == FNR { have[$0] = 1; next } FNR > 1 && !($0 in have)' "$art/timings.tsv" "$f" >> "$art/timings.tsv"
      kept=$((kept + 1)); continue
    fi
    if [ -e "$art/$rel" ]; then
      mine=$(sha256sum < "$art/$rel" | cut -d' ' -f1)
      if [ "$mine" = "$(sha256sum < "$f" | cut -d' ' -f1)" ]; then kept=$((kept + 1))
      else differs=$((differs + 1)); echo "carry: kept this machine's $art/$rel (differs from the carried one)" >&2; fi
      continue
    fi
    mkdir -p "$(dirname "$art/$rel")"
    mv "$f" "$art/$rel"
    restored=$((restored + 1))
  done < <(tail -n +2 "$carry/manifest.tsv")
  echo "carry: restored $restored files into $art ($kept already there, $differs kept as this machine has them)"
}

verify() {
  local carry=${1:-results/run-artifacts} dir
  dir=$(mktemp -d); SCRATCH+=("$dir")
  unpack_verified "$carry" "$dir"
  echo "carry: $carry: $(($(wc -l < "$carry/manifest.tsv") - 1)) files, all match the manifest"
}

case ${1:-} in
  save) shift; save "$@" ;;
  restore) shift; restore "$@" ;;
  verify) shift; verify "$@" ;;
  *) usage ;;
esac
