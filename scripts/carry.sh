#!/usr/bin/env bash
# Carries a run's finished, weight-free artifacts from one machine to the next through the
# repository. A full replication is ≈35 h of stage time on 2 cores, a session 3 h, and a session's
# machine is not always kept: without this every new machine starts from raw data again.
#
#   scripts/carry.sh save ART [CARRY]                 snapshot ART into CARRY (default results/run-artifacts)
#   scripts/carry.sh restore [CARRY] ART              put a snapshot back into ART (a new machine's run)
#   scripts/carry.sh remake CARRY ART [MAKE ARGS...]  then make the splits again (after make build data)
#   scripts/carry.sh verify [CARRY]                   check every carried file against the manifest
#
# What is carried: every HDF5 artifact (samples, evaluations, answers, breakdowns, probes,
# predictions, training logs, the finished chunks of partial sampling/labels runs), the content
# stamps under ART/inputs/ and the timing ledger with its heartbeat rows. Never carried: weights
# (any model/, checkpoint/ or hf/ folder, *.safetensors, *.gguf, *.bin), temp files, logs, and any
# file over CARRY_MAX_MB (default 32; said on stderr). A fine-tuned model is thus made again on a
# new machine only if a stage still needs it (the Makefile marks it .SECONDARY: once its samples
# exist it is not needed).
# Made again, not carried: the splits (every splits.h5, webquestions/qa.h5), which hold the
# datasets' texts, and datasets are not committed. The carry keeps their content digest
# (`prepare-splits digest`: values and provenance, not the commit, command line or threads that
# made them) and mtime; `remake` runs make for each missing one, and when the new file has the
# recorded digest gives it the recorded mtime, so that what was made from it stays up to date.
# A split that comes out different keeps its new time: make then redoes what was made from it.
#
# Layout of CARRY: manifest.tsv (path, sha256 and size of the uncompressed file, mtime: seconds
# with nine decimals, whatever the column's name), files/<sha256>.xz (xz -6, single-threaded, so
# the same file always gives the same bytes and an unchanged artifact adds nothing to the next
# commit) and remade.tsv (path, digest, sha256 of the file the digest was taken of, mtime). Paths in the ledger are stored relative to ART
# (prefix @ART@) so a restore can target another folder.
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
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
# The digest tool: this tree's release build unless PREPARE_SPLITS names another.
PREPARE_SPLITS=${PREPARE_SPLITS:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/prepare-splits}
REMADE_HEADER=$'path\tdigest\tsha256\tmtime_ns'

# Whether a file of ART is made again on the next machine rather than carried (a split).
is_remade() {
  case $1 in splits.h5|*/splits.h5|webquestions/qa.h5) return 0 ;; *) return 1 ;; esac
}

# Whether a file of ART is part of the timing ledger, whose rows name targets by absolute path.
is_ledger() {
  case $1 in timings.tsv|timings.tsv.partial/*) return 0 ;; *) return 1 ;; esac
}

# Targets whose partial state (a training checkpoint) is never carried: restored onto another
# machine, their ledger rows of interrupted invocations that no finished invocation follows are work
# that is lost with the old machine. They are marked "lost" (not "interrupted"), so that the wall
# time still counts them but no estimate (fits-in-session.sh, make status-paperB) adds them to the
# time of the run that starts again from scratch.
UNCARRIED_STATE_RE='/model/finetuned[.]json$|/bert/predictions[.]h5$'
mark_lost() {
  awk -F'\t' -v OFS='\t' -v re="$UNCARRIED_STATE_RE" '
    NR == FNR { if ($4 == "0") finished[$1] = FNR; next }
    $4 == "interrupted" && $1 ~ re && !(finished[$1] > FNR) { $4 = "lost" }
    { print }' "$1" "$1" > "$1.lost" && mv "$1.lost" "$1"
}

# Whether a path read from a carry stays inside the artifacts folder it is restored into.
inside_art() {
  case $1 in /*|*..*) return 1 ;; *) return 0 ;; esac
}

digest() {
  [ -x "$PREPARE_SPLITS" ] || die "$PREPARE_SPLITS: not built (make build), needed for the digest of $1"
  "$PREPARE_SPLITS" digest "$1" | cut -d' ' -f1
}

# Holds a lock on CARRY for this invocation: -x for a save (one at a time), -s for a read (not
# while a save is rewriting it).
lock() {
  exec 9>"/tmp/distlab-carry-$(cd "$1" && pwd | cksum | cut -d" " -f1).lock"
  flock "$2" -w 600 9 || die "$1: another save has held it for 10 minutes"
}

# Files of ART that are carried, relative to ART, one per line, sorted.
carried_files() {
  local art=$1
  (cd "$art" && find . -type f \( -name '*.h5' -o -name '*.h5.seeds' -o -path './inputs/*.sha256' -o -path './timings.tsv' -o -path './timings.tsv.partial/*.tsv' \) \
      -not -path '*/model/*' -not -path '*/checkpoint/*' -not -path '*/hf/*' -not -path './.carry-restore.*' \
      -not -name '*.tmp*' \
      -printf '%P\n') | LC_ALL=C sort
}

# The bytes carried for a file: ledger rows name targets by absolute path, stored relative to ART.
carried_bytes() {
  local art=$1 rel=$2
  if is_ledger "$rel"; then sed "s#^$art/#$TOKEN/#" "$art/$rel"; else cat "$art/$rel"; fi
}

save() {
  local art carry
  art=$(cd "${1:?usage: carry.sh save ART [CARRY]}" && pwd) || die "no artifacts folder $1"
  carry=${2:-results/run-artifacts}
  mkdir -p "$carry/files"
  carry=$(cd "$carry" && pwd)
  lock "$carry" -x
  local old="$carry/manifest.tsv" new="$carry/manifest.tsv.tmp" tmp
  local old_remade="$carry/remade.tsv" new_remade="$carry/remade.tsv.tmp"
  tmp=$(mktemp -d); SCRATCH+=("$tmp")
  printf 'path\tsha256\tbytes\tmtime_ns\n' > "$new"
  printf '%s\n' "$REMADE_HEADER" > "$new_remade"
  local n=0 fresh=0 skipped=0 remade=0 rel sum size mt mt2 dig
  # The chain writes ART while this runs: a file gone since the listing (a merged chunk) or
  # replaced while it was read (its mtime moved) is left out, to be saved next time.
  while IFS= read -r rel; do
    mt=$(stat -c %.9Y "$art/$rel" 2>/dev/null) || continue
    if is_remade "$rel"; then
      # The digest is taken again only of a file whose bytes changed since the last save.
      sum=$(sha256sum < "$art/$rel" | cut -d' ' -f1)
      dig=$(awk -F'\t' -v p="$rel" -v s="$sum" '$1 == p && $3 == s { print $2 }' "$old_remade" 2>/dev/null || true)
      [ -n "$dig" ] || dig=$(digest "$art/$rel") || die "digest of $art/$rel failed"
      printf '%s\t%s\t%s\t%s\n' "$rel" "$dig" "$sum" "$mt" >> "$new_remade"
      remade=$((remade + 1)); continue
    fi
    size=$(stat -c %s "$art/$rel" 2>/dev/null) || continue
    if [ "$size" -gt "$MAX_BYTES" ]; then
      echo "carry: not carried (over CARRY_MAX_MB=${CARRY_MAX_MB:-32}): $rel, $size bytes" >&2
      skipped=$((skipped + 1)); continue
    fi
    carried_bytes "$art" "$rel" > "$tmp/f" 2>/dev/null || continue
    mt2=$(stat -c %.9Y "$art/$rel" 2>/dev/null) || continue
    [ "$mt2" = "$mt" ] || continue
    sum=$(sha256sum < "$tmp/f" | cut -d' ' -f1)
    size=$(stat -c %s "$tmp/f")
    # Blobs are named by content: a save that is killed leaves the old manifest with every blob
    # it names, and an unchanged file keeps its blob (nothing new to commit).
    if [ ! -f "$carry/files/$sum.xz" ]; then
      xz -6 -T1 -c < "$tmp/f" > "$carry/files/$sum.xz.tmp"
      mv "$carry/files/$sum.xz.tmp" "$carry/files/$sum.xz"
      fresh=$((fresh + 1))
    fi
    printf '%s\t%s\t%s\t%s\n' "$rel" "$sum" "$size" "$mt" >> "$new"
    n=$((n + 1))
  done < <(carried_files "$art")
  mv "$new_remade" "$old_remade"
  mv "$new" "$old"
  # Then the blobs no manifest row names (files gone from ART, an older version of a file), and
  # those of the per-path layout of earlier carries.
  local gone=0 blob
  while IFS= read -r blob; do
    [ -n "$blob" ] || continue
    rm -f "$carry/files/$blob"; gone=$((gone + 1))
  done < <(comm -23 <(cd "$carry/files" && find . -type f -printf '%P\n' | LC_ALL=C sort) \
                    <(tail -n +2 "$old" | cut -f2 | sed 's/$/.xz/' | LC_ALL=C sort -u))
  find "$carry/files" -mindepth 1 -type d -empty -delete
  echo "carry: saved $n files from $art into $carry ($fresh new or changed, $gone dropped, $skipped too large); $(du -sh "$carry/files" | cut -f1) compressed; $remade splits to make again"
}

# Decompresses every carried file into DIR and checks it against the manifest.
unpack_verified() {
  local carry=$1 dir=$2 rel sum size mt got blob
  lock "$carry" -s
  [ -f "$carry/manifest.tsv" ] || die "$carry/manifest.tsv: no manifest (nothing was saved there)"
  head -1 "$carry/manifest.tsv" | grep -q $'^path\tsha256\tbytes\tmtime_ns$' || die "$carry/manifest.tsv: line 1: not a carry manifest header"
  local line=1
  while IFS=$'\t' read -r rel sum size mt; do
    line=$((line + 1))
    [ -n "$rel" ] && [ ${#sum} -eq 64 ] && [ -n "$mt" ] || die "$carry/manifest.tsv: line $line: malformed row"
    inside_art "$rel" || die "$carry/manifest.tsv: line $line: path outside the artifacts folder: $rel"
    blob="$carry/files/$sum.xz"
    [ -f "$blob" ] || blob="$carry/files/$rel.xz"     # the per-path layout of earlier carries
    [ -f "$blob" ] || die "$carry/files/$sum.xz: missing (manifest line $line, $rel)"
    mkdir -p "$(dirname "$dir/$rel")"
    xz -dc < "$blob" > "$dir/$rel" 2>/dev/null || die "$blob: not a valid xz file (manifest line $line, $rel)"
    got=$(sha256sum < "$dir/$rel" | cut -d' ' -f1)
    [ "$got" = "$sum" ] || die "$blob: sha256 $got, manifest line $line ($rel) says $sum"
    touch -d "@$mt" "$dir/$rel"
  done < <(tail -n +2 "$carry/manifest.tsv")
  check_remade "$carry"
}

# remade.tsv, when there (carries saved before it have none), must be well formed.
check_remade() {
  local carry=$1 line=1 rel dig sum mt
  [ -f "$carry/remade.tsv" ] || return 0
  [ "$(head -1 "$carry/remade.tsv")" = "$REMADE_HEADER" ] || die "$carry/remade.tsv: line 1: not a remade-files header"
  while IFS=$'\t' read -r rel dig sum mt; do
    line=$((line + 1))
    [ -n "$rel" ] && [ ${#dig} -eq 64 ] && [ ${#sum} -eq 64 ] && [[ $mt =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$carry/remade.tsv: line $line: malformed row"
    inside_art "$rel" || die "$carry/remade.tsv: line $line: path outside the artifacts folder: $rel"
  done < <(tail -n +2 "$carry/remade.tsv")
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
  local restored=0 kept=0 differs=0 done_here=0 rel sum size mt mine f
  while IFS=$'\t' read -r rel sum size mt; do
    f="$stage/$rel"
    if is_ledger "$rel"; then
      sed -i "s#^$TOKEN/#$art/#" "$f"
      [ "$rel" != timings.tsv ] || mark_lost "$f"
      touch -d "@$mt" "$f"
    fi
    # On a machine that was kept, what finished after the last save is not brought back: the
    # heartbeat row of a stage that has since logged its own row (it would count twice), and the
    # chunks of an artifact that has since been put together from them.
    case $rel in
      timings.tsv.partial/*)
        if [ -f "$art/timings.tsv" ] && awk -F'\t' 'NR == FNR { t = $1; s = $2; next } $1 == t && $2 == s { f = 1 } END { exit !f }' "$f" "$art/timings.tsv"; then
          done_here=$((done_here + 1)); continue
        fi ;;
      *.chunks/*)
        if [ -e "$art/${rel%%.chunks/*}" ]; then done_here=$((done_here + 1)); continue; fi ;;
    esac
    if [ "$rel" = timings.tsv ] && [ -f "$art/timings.tsv" ]; then
      # Both machines' runs count: rows of the carried ledger that this one lacks are added. A row
      # is an invocation (target and start time): this machine's copy of one may say "interrupted"
      # where the carried one says "lost".
      awk -F'\t' 'NR == FNR { have[$1 FS $2] = 1; next } FNR > 1 && !(($1 FS $2) in have)' "$art/timings.tsv" "$f" >> "$art/timings.tsv"
      kept=$((kept + 1)); continue
    fi
    if [ -e "$art/$rel" ]; then
      mine=$(sha256sum < "$art/$rel" | cut -d' ' -f1)
      if [ "$mine" = "$(sha256sum < "$f" | cut -d' ' -f1)" ]; then kept=$((kept + 1))
      else differs=$((differs + 1)); echo "carry: kept this machine's $art/$rel (differs from the carried one)" >&2; fi
      continue
    fi
    mkdir -p "$(dirname "$art/$rel")"
    # A heartbeat row brought onto this machine: a training run's checkpoint did not come with it.
    case $rel in timings.tsv.partial/*) mark_lost "$f"; touch -d "@$mt" "$f" ;; esac
    mv "$f" "$art/$rel"
    restored=$((restored + 1))
  done < <(tail -n +2 "$carry/manifest.tsv")
  echo "carry: restored $restored files into $art ($kept already there, $differs kept as this machine has them, $done_here finished here since)"
  local missing=0
  if [ -f "$carry/remade.tsv" ]; then
    while IFS=$'\t' read -r rel _; do [ -e "$art/$rel" ] || missing=$((missing + 1)); done < <(tail -n +2 "$carry/remade.tsv")
  fi
  [ "$missing" -eq 0 ] || echo "carry: $missing splits to make again: scripts/carry.sh remake $carry $art ART=$art (after make build data)"
}

# Makes again, with make (run here, with the given arguments), each split of remade.tsv that ART
# lacks; one with the recorded digest gets its recorded mtime back.
remake() {
  local carry=${1:?usage: carry.sh remake CARRY ART [MAKE ARGS...]} art=${2:?usage: carry.sh remake CARRY ART [MAKE ARGS...]}
  shift 2
  check_remade "$carry"
  [ -f "$carry/remade.tsv" ] || { echo "carry: $carry has no splits to make again"; return 0; }
  [ -d "$art" ] || die "no artifacts folder $art"
  art=${art%/}          # as given: make's rules name the splits by $(ART) as it was given to make
  local rel dig sum mt got same=0 differ=0 had=0 missing=()
  while IFS=$'\t' read -r rel _; do
    if [ -e "$art/$rel" ]; then had=$((had + 1)); else missing+=("$art/$rel"); fi
  done < <(tail -n +2 "$carry/remade.tsv")
  # One make for all of them (it reads the Makefile and checks the inputs' stamps once).
  if [ ${#missing[@]} -gt 0 ]; then
    ${MAKE:-make} --no-print-directory "$@" "${missing[@]}" < /dev/null || die "make ${missing[*]} failed"
  fi
  while IFS=$'\t' read -r rel dig sum mt; do
    [[ " ${missing[*]} " == *" $art/$rel "* ]] || continue
    [ -f "$art/$rel" ] || die "make did not write $art/$rel"
    got=$(digest "$art/$rel") || die "digest of $art/$rel failed"
    if [ "$got" = "$dig" ]; then
      touch -d "@$mt" "$art/$rel"; same=$((same + 1))
    else
      echo "carry: $art/$rel made again differs from the carried run's (digest $got, carried $dig): what was made from it will be made again" >&2
      differ=$((differ + 1))
    fi
  done < <(tail -n +2 "$carry/remade.tsv")
  echo "carry: made $((same + differ)) splits again into $art ($same as in the carried run, $differ different, $had already there)"
}

verify() {
  local carry=${1:-results/run-artifacts} dir
  dir=$(mktemp -d); SCRATCH+=("$dir")
  unpack_verified "$carry" "$dir"
  echo "carry: $carry: $(($(wc -l < "$carry/manifest.tsv") - 1)) files, all match the manifest; $( [ -f "$carry/remade.tsv" ] && echo $(($(wc -l < "$carry/remade.tsv") - 1)) || echo 0) splits to make again"
}

case ${1:-} in
  save) shift; save "$@" ;;
  restore) shift; restore "$@" ;;
  remake) shift; remake "$@" ;;
  verify) shift; verify "$@" ;;
  *) usage ;;
esac
