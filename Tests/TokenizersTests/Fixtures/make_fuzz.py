"""Random-string cross-check fixtures: the byte-level BPE vocabularies of the GGUF files are
rebuilt as Hugging Face `tokenizers` objects (vocab + merges + the model family's pre-tokenizer,
as in each model's tokenizer.json) and random strings are encoded with them.
    python3 Tests/TokenizersTests/Fixtures/make_fuzz.py   (tokenizers==0.23.3, gguf; offline)
Writes Tests/TokenizersTests/Fixtures/fuzz-<name>.json = [{"text", "ids"}]."""
import json, os, random
MODELS = os.environ.get("DISTLAB_MODELS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models"))  # as the tests find them
import gguf
from tokenizers import Tokenizer, models, pre_tokenizers, Regex, AddedToken

HERE = os.path.dirname(os.path.abspath(__file__))
QWEN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

def field(r, k):
    f = r.fields[k]
    return [bytes(f.parts[i]).decode("utf-8") if f.types[-1] == gguf.GGUFValueType.STRING else int(f.parts[i][0]) for i in f.data]

def build(path, pre, ignore_merges=False):
    r = gguf.GGUFReader(path)
    toks, types, merges = field(r, "tokenizer.ggml.tokens"), field(r, "tokenizer.ggml.token_type"), field(r, "tokenizer.ggml.merges")
    vocab = {t: i for i, t in enumerate(toks)}
    tk = Tokenizer(models.BPE(vocab, [tuple(m.split(" ", 1)) for m in merges], ignore_merges=ignore_merges))
    tk.pre_tokenizer = pre
    tk.add_tokens([AddedToken(toks[i], special=(types[i] == 3), normalized=False) for i in range(len(toks)) if types[i] in (3, 4)])
    return tk

POOL = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") * 3 + list("0123456789") * 2 +
        list(" " * 30 + "\n\n\t\r") + list("'''\".,;:!?-()[]{}<>/\\@#$%^&*_+=|~`") +
        list("éèàüößñçøåÉÀÜ") + ["e\u0301", "\u00a0", "\u2009", "\u3000", "\u200b", "\u2028"] +
        list("日本語中文한국어ไทยРусскийΕλληνικάعربي") + list("½⅓²³①") + ["😀", "👍🏽", "🎉", "❤️", "\u200d"] +
        ["'s", "'T", "'re", "'VE", "'ll", "'D", "<|im_start|>", "<|endoftext|>", "<tool_call>"])

def strings(n, seed):
    rnd = random.Random(seed)
    return ["".join(rnd.choice(POOL) for _ in range(rnd.randint(1, 40))) for _ in range(n)]

V = "/work/shared/reference/tokenizers/"
sets = {
    "qwen2": build(V + "ggml-vocab-qwen2.gguf", pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN), "isolated"),
                                                                           pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])),
    "llama-bpe": build(V + "ggml-vocab-llama-bpe.gguf", pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3), "isolated"),
                                                                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), True),
    "smollm": build(os.path.join(MODELS, "SmolLM2-135M-Instruct.Q4_1.gguf"), pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])),
    "gpt-2": build(V + "ggml-vocab-gpt-2.gguf", pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)),
}
for k, (name, tk) in enumerate(sets.items()):
    texts = strings(400, 1234 + k)
    out = [{"text": t, "ids": tk.encode(t, add_special_tokens=False).ids} for t in texts]
    json.dump(out, open(os.path.join(HERE, f"fuzz-{name}.json"), "w"), ensure_ascii=False)
    print(name, len(out))
