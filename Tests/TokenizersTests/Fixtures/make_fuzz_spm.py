"""SentencePiece cross-check fixtures: the Gemma-3 and Llama (SPM) vocabularies of the GGUF files are
rebuilt as SentencePiece BPE models (pieces, scores, types; identity normalization; byte fallback;
dummy prefix as the GGUF's add_space_prefix) and random strings are encoded with the
`sentencepiece` library (0.2.x, needs protobuf; offline):
    python3 Tests/TokenizersTests/Fixtures/make_fuzz_spm.py
Writes Tests/TokenizersTests/Fixtures/fuzz-spm-<name>.json = [{"text", "ids"}]."""
import json, os, random, re
MODELS = os.environ.get("DISTLAB_MODELS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models"))  # as the tests find them
import gguf
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

HERE = os.path.dirname(os.path.abspath(__file__))

def field(r, k):
    f = r.fields[k]
    if f.types[-1] == gguf.GGUFValueType.STRING:
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
    return [f.parts[i][0].item() for i in f.data]

def build(path, dummy_prefix):
    r = gguf.GGUFReader(path)
    toks, scores, types = field(r, "tokenizer.ggml.tokens"), field(r, "tokenizer.ggml.scores"), field(r, "tokenizer.ggml.token_type")
    m = pb.ModelProto()
    m.trainer_spec.model_type = pb.TrainerSpec.BPE
    m.trainer_spec.byte_fallback = True
    m.trainer_spec.vocab_size = len(toks)
    m.normalizer_spec.name = "identity"
    m.normalizer_spec.add_dummy_prefix = dummy_prefix
    m.normalizer_spec.remove_extra_whitespaces = False
    m.normalizer_spec.escape_whitespaces = True
    for t, s, ty in zip(toks, scores, types):
        p = m.pieces.add()
        p.piece, p.score, p.type = t, float(s), {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6}.get(int(ty), 1)
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(m.SerializeToString())
    return sp

POOL = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") * 3 + list("0123456789") * 2 +
        list(" " * 30 + "\n\n\t") + list("'''\".,;:!?-()[]{}<>/\\@#$%^&*_+=|~`") +
        list("éèàüößñçøåÉÀÜ") + ["e\u0301", "\u00a0", "\u2009", "\u3000", "\u200b"] +
        list("日本語中文한국어ไทยРусскийΕλληνικάعربي") + list("½⅓²³①") + ["😀", "👍🏽", "🎉", "❤️", "\u200d"])

def strings(n, seed):
    rnd = random.Random(seed)
    return ["".join(rnd.choice(POOL) for _ in range(rnd.randint(1, 40))) for _ in range(n)]

sets = {"gemma3": (build(os.path.join(MODELS, "gemma-3-270m-q4_k_m.gguf"), False), 77),
        "llama-spm": (build("/work/shared/reference/tokenizers/ggml-vocab-llama-spm.gguf", True), 78)}
# Gemma's vocabulary has user-defined whitespace tokens ("  ", "   ", …) that llama.cpp (the
# reference) matches on the raw text before escaping spaces, which sentencepiece cannot do; the
# Gemma strings therefore get single spaces only (the space runs are covered by the reference ids).
for name, (sp, seed) in sets.items():
    texts = [re.sub(" {2,}", " ", t) if name == "gemma3" else t for t in strings(400, seed)]
    out = [{"text": t, "ids": sp.EncodeAsIds(t)} for t in texts]
    json.dump(out, open(os.path.join(HERE, f"fuzz-spm-{name}.json"), "w"), ensure_ascii=False)
    print(name, len(out))
