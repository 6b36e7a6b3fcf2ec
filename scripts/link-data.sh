#!/usr/bin/env bash
# Checks that each raw dataset file distlab reads exists in DATASETS_DIR and symlinks the
# folders under data/raw. Missing files are listed with where to get them.
set -euo pipefail
src=${1:?usage: link-data.sh DATASETS_DIR DEST}; dst=${2:?}
declare -A where=(
  [provo/provo_cloze_norms.tsv]="Provo Corpus predictability norms, OSF (Luke & Christianson 2018): https://osf.io/sjefs/"
  [semeval2018_ec/2018-E-c-En-train.txt]="SemEval-2018 Task 1 E-c English: https://competitions.codalab.org/competitions/17751"
  [semeval2018_ec/2018-E-c-En-dev.txt]="SemEval-2018 Task 1 E-c English"
  [semeval2018_ec/2018-E-c-En-test-gold.txt]="SemEval-2018 Task 1 E-c English"
  [goemotions/train.tsv]="GoEmotions (google-research/goemotions, data/)"
  [goemotions/dev.tsv]="GoEmotions"
  [goemotions/test.tsv]="GoEmotions"
  [goemotions/labels.txt]="GoEmotions (emotions.txt)"
  [mfrc/mfrc_vote_counts.tsv]="Moral Foundations Reddit Corpus (Trager et al. 2022), Hugging Face USC-MOLA-Lab/MFRC"
  [webquestions/test.json]="WebQuestions (Berant et al. 2013)"
  [lewidi/HS-Brexit.tsv]="SemEval-2023 Task 11 Le-Wi-Di final release"
  [lewidi/MD-Agreement.tsv]="SemEval-2023 Task 11 Le-Wi-Di final release"
  [devarda/devarda_cloze_norms.tsv]="de Varda, Marelli & Amenta cloze norms (OSF)"
)
missing=0
for f in "${!where[@]}"; do
  if [ ! -f "$src/$f" ]; then echo "missing: $src/$f  -- get it from: ${where[$f]}" >&2; missing=1; fi
done
[ $missing -eq 0 ] || { echo "see README.md, section Data" >&2; exit 1; }
mkdir -p "$dst"
abs=$(cd "$src" && pwd)
for d in "$abs"/*/; do ln -sfn "$d" "$dst/$(basename "$d")"; done
echo "datasets linked from $abs into $dst"
