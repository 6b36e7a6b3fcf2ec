#!/usr/bin/env python3
"""Independent numpy reference for the BERT encoder (Training/Encoder/BertEncoder.swift).

numpy only: the safetensors files are parsed here (8-byte little-endian header length, JSON
header, raw little-endian data), so the check does not depend on torch / transformers.
Computes in float64 from the float32 weights: post-LN BERT with exact (erf) GELU.

  bert-reference.py tiny OUT_DIR           write a tiny random BERT (config.json, model.safetensors)
                                           and expected.json with its hidden states for fixed batches
  bert-reference.py real MODEL_DIR OUT     hidden states of MODEL_DIR for the fixed MiniLM cases:
                                           per case the [CLS] row, the mean over tokens and a few rows
"""
import json
import math
import os
import struct
import sys

import numpy as np

# --- safetensors -----------------------------------------------------------------------------

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] == "BF16":
            b, e = info["data_offsets"]
            raw = np.frombuffer(data[b:e], dtype="<u2").astype(np.uint32) << 16
            out[name] = raw.view(np.float32).reshape(info["shape"])
            continue
        dt = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata=None):
    """F32 tensors in sorted name order, header padded with spaces to 8 bytes (as the reference writer)."""
    entries, blobs, off = {}, [], 0
    if metadata:
        entries["__metadata__"] = metadata
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        entries[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        blobs.append(a.tobytes())
        off += a.nbytes
    header = json.dumps(entries, separators=(",", ":")).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for b in blobs:
            f.write(b)


# --- the model -------------------------------------------------------------------------------

_erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def layernorm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def bert_forward(W, cfg, tokens, types):
    """Hidden states [n, C] of one sequence (positions 0..n-1), float64."""
    g = lambda name: W[name].astype(np.float64)
    C, H, eps = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"]
    hd = C // H
    n = len(tokens)
    x = g("embeddings.word_embeddings.weight")[tokens] + g("embeddings.position_embeddings.weight")[:n] \
        + g("embeddings.token_type_embeddings.weight")[types]
    x = layernorm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), eps)
    lin = lambda inp, p: inp @ g(p + ".weight").T + g(p + ".bias")
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        q = lin(x, p + "attention.self.query").reshape(n, H, hd).transpose(1, 0, 2)
        k = lin(x, p + "attention.self.key").reshape(n, H, hd).transpose(1, 0, 2)
        v = lin(x, p + "attention.self.value").reshape(n, H, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        att = (s @ v).transpose(1, 0, 2).reshape(n, C)
        a = layernorm(x + lin(att, p + "attention.output.dense"),
                      g(p + "attention.output.LayerNorm.weight"), g(p + "attention.output.LayerNorm.bias"), eps)
        f = lin(gelu(lin(a, p + "intermediate.dense")), p + "output.dense")
        x = layernorm(a + f, g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias"), eps)
    return x


def load_model(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    W = read_safetensors(os.path.join(d, "model.safetensors"))
    if "bert.embeddings.word_embeddings.weight" in W:
        W = {k[5:]: v for k, v in W.items() if k.startswith("bert.")}
    return cfg, W


# --- fixtures --------------------------------------------------------------------------------

def tiny(out):
    rng = np.random.default_rng(20261202)
    cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu", "vocab_size": 40,
           "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 24,
           "max_position_embeddings": 12, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
           "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1}
    C, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    # Larger than BERT's 0.02 init so attention is far from uniform and every term matters.
    m = lambda *s: rng.normal(0, 0.3, s)
    W = {"embeddings.word_embeddings.weight": m(V, C), "embeddings.position_embeddings.weight": m(12, C),
         "embeddings.token_type_embeddings.weight": m(2, C),
         "embeddings.LayerNorm.weight": 1 + m(C), "embeddings.LayerNorm.bias": m(C)}
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
            W[p + name + ".weight"], W[p + name + ".bias"] = m(C, C), m(C)
        W[p + "intermediate.dense.weight"], W[p + "intermediate.dense.bias"] = m(F, C), m(F)
        W[p + "output.dense.weight"], W[p + "output.dense.bias"] = m(C, F), m(C)
        for ln in ["attention.output.LayerNorm", "output.LayerNorm"]:
            W[p + ln + ".weight"], W[p + ln + ".bias"] = 1 + m(C), m(C)
    # As a classification checkpoint stores them (bert. prefix, a pooler), to test both on load.
    W = {"bert." + k: v.astype(np.float32) for k, v in W.items()}
    W["bert.pooler.dense.weight"] = m(C, C).astype(np.float32)
    W["bert.pooler.dense.bias"] = m(C).astype(np.float32)
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "model.safetensors"), W, {"format": "pt"})
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=2)
    cfg, W = load_model(out)   # what was written, exactly
    seqs = [{"tokens": [1, 5, 9, 33, 2], "types": [0, 0, 0, 0, 0]},
            {"tokens": [1, 7, 2, 12, 39, 3, 2], "types": [0, 0, 0, 1, 1, 1, 1]},
            {"tokens": [4], "types": [1]},
            {"tokens": list(range(0, 36, 3)), "types": [0] * 6 + [1] * 6}]   # max_position_embeddings tokens
    for s in seqs:
        s["hidden"] = [float(v) for v in bert_forward(W, cfg, s["tokens"], s["types"]).ravel()]
    json.dump({"source": "scripts/bert-reference.py tiny (numpy float64 from the float32 weights)",
               "sequences": seqs}, open(os.path.join(out, "expected.json"), "w"))


# [CLS] ... [SEP] ids from all-MiniLM-L6-v2's vocab.txt (bert-base-uncased WordPiece).
REAL_CASES = [
    {"text": "[CLS] hello world [SEP]", "tokens": [101, 7592, 2088, 102], "types": [0, 0, 0, 0]},
    {"text": "[CLS] the cat sat on the mat . [SEP]",
     "tokens": [101, 1996, 4937, 2938, 2006, 1996, 13523, 1012, 102], "types": [0] * 9},
    {"text": "[CLS] how are you ? [SEP] i am fine . [SEP]",
     "tokens": [101, 2129, 2024, 2017, 1029, 102, 1045, 2572, 2986, 1012, 102], "types": [0] * 6 + [1] * 5},
]


def real(model_dir, out):
    cfg, W = load_model(model_dir)
    vocab = open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8").read().split("\n")
    cases = []
    for c in REAL_CASES:
        assert " ".join(vocab[i] for i in c["tokens"]) == c["text"], (c["text"], [vocab[i] for i in c["tokens"]])
        h = bert_forward(W, cfg, c["tokens"], c["types"])
        rows = [1, len(c["tokens"]) - 1]
        cases.append({"text": c["text"], "tokens": c["tokens"], "types": c["types"],
                      "cls": [float(v) for v in h[0]], "mean": [float(v) for v in h.mean(0)],
                      "rows": {str(r): [float(v) for v in h[r]] for r in rows}})
    json.dump({"source": "scripts/bert-reference.py real (numpy float64 from the float32 weights of all-MiniLM-L6-v2)",
               "cases": cases}, open(out, "w"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "tiny":
        tiny(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "real":
        real(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
