"""Generates the dequantisation fixtures with the reference implementation of gguf-py
(`pip install gguf`, here 0.19.0): expected float32 outputs as bit patterns, so the Swift
decoder can be checked bit for bit against an independent implementation.

  dequant_random.json  random blocks of every type gguf-py can decode (fixed seed)
  dequant_models.json  values of one tensor of each type in each default model

Run from anywhere:  python3 make_dequant_fixtures.py [models_dir]
"""
import json, os, sys
import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize

HERE = os.path.dirname(os.path.abspath(__file__))

# Byte offsets of the fp16 scale fields inside one block; these are overwritten with finite
# values (random bytes would give NaN/Inf scales, which test nothing useful).
HALF_FIELDS = {
    "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0],
    "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
}

def random_fixtures(rng):
    out = []
    for name, fields in HALF_FIELDS.items():
        qt = T[name]
        block_size, type_size = gguf.GGML_QUANT_SIZES[qt]
        n_blocks = 6
        raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
        for f in fields:
            # Positive and negative scales of different magnitudes (mins in Q4_1/Q5_1 can be negative too).
            vals = (rng.standard_normal(n_blocks) * 10.0 ** rng.integers(-3, 1, n_blocks)).astype(np.float16)
            raw[:, f:f + 2] = vals.view(np.uint8).reshape(n_blocks, 2)
        y = dequantize(raw.reshape(-1), qt).astype(np.float32).reshape(-1)
        assert y.size == n_blocks * block_size and np.all(np.isfinite(y))
        out.append({"type": name, "count": int(y.size), "bytes_hex": raw.tobytes().hex(),
                    "expected_bits": y.view(np.uint32).tolist()})
    # Plain float types: F16 from random floats (incl. subnormals), BF16 from random bit patterns.
    h = np.concatenate([rng.standard_normal(60).astype(np.float16), np.array([6e-8, -3e-5, 65504, 0], dtype=np.float16)])
    out.append({"type": "F16", "count": int(h.size), "bytes_hex": h.tobytes().hex(),
                "expected_bits": h.astype(np.float32).view(np.uint32).tolist()})
    b = rng.integers(0, 0x7f80, size=64, dtype=np.uint16) | (rng.integers(0, 2, size=64, dtype=np.uint16) << 15)
    yb = dequantize(b.view(np.uint8), T.BF16).astype(np.float32)
    out.append({"type": "BF16", "count": int(b.size), "bytes_hex": b.tobytes().hex(),
                "expected_bits": yb.reshape(-1).view(np.uint32).tolist()})
    return out

def model_fixtures(models_dir):
    out = []
    for fname in ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]:
        r = gguf.GGUFReader(os.path.join(models_dir, fname))
        seen = set()
        for t in r.tensors:
            tname = t.tensor_type.name
            if tname in seen:
                continue
            seen.add(tname)
            y = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
            n = y.size
            # 200 indices spread over the tensor, plus the first and last 20 elements.
            idx = sorted(set(list(range(min(20, n))) + list(np.linspace(0, n - 1, 200).astype(np.int64).tolist())
                             + list(range(max(0, n - 20), n))))
            out.append({"file": fname, "tensor": t.name, "type": tname, "count": int(n),
                        "indices": [int(i) for i in idx], "expected_bits": y[idx].view(np.uint32).tolist()})
    return out

if __name__ == "__main__":
    rng = np.random.default_rng(20240611)
    with open(os.path.join(HERE, "dequant_random.json"), "w") as f:
        json.dump(random_fixtures(rng), f, separators=(",", ":"))
    models = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DISTLAB_MODELS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models"))
    with open(os.path.join(HERE, "dequant_models.json"), "w") as f:
        json.dump(model_fixtures(models), f, separators=(",", ":"))
