"""Generates the tokenizer.json fixtures and their expected ids with Hugging Face `tokenizers`
(pip install tokenizers==0.23.3; runs offline). Re-run from the repository root:
    python3 Tests/TokenizersTests/Fixtures/make_fixtures.py
Writes Tests/TokenizersTests/Fixtures/{*.tokenizer.json, expected.json}."""
import json, os
MODELS = os.environ.get("DISTLAB_MODELS_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models"))  # as the tests find them
from tokenizers import Tokenizer, models, pre_tokenizers, trainers, decoders, normalizers, Regex, AddedToken
from tokenizers.processors import TemplateProcessing

HERE = os.path.dirname(os.path.abspath(__file__))
corpus = open("/work/shared/papers/000_b36fee040fae26d7.txt", encoding="utf-8").read()[:200000]
extra = ["Héllo wörld — naïve café 2024: it's 3.14159 times ‘quoted’ \t tabs\n\nnew  lines   and   spaces!? 日本語 😀",
         "I'VE been 'told' he's THERE, don't you    think?\r\n  ok"]
TEXTS = extra + [
    "There are now rumblings that Apple might soon invade the smart watch space.",
    "  leading spaces, trailing spaces   ",
    "numbers 1234567 and 3.14 and 42nd",
    "ÀÉÎÕÜ ñ ß ø æ œ — “curly” quotes… and emoji 👍🏽🎉",
    "<|special|> inside text and <|special|>twice",
    "",
    "a",
    "\n\n\n",
]

def train_bpe(pre, name, regex=None, vocab=600):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    tr = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([corpus] + extra, trainer=tr)
    tok.add_special_tokens([AddedToken("<|special|>", special=True, normalized=False)])
    tok.add_tokens([AddedToken("<user_defined>", special=False, normalized=False)])
    tok.save(os.path.join(HERE, name + ".tokenizer.json"))
    return tok

def train_metaspace(name):
    tok = Tokenizer(models.BPE(byte_fallback=True, unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    specials = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    tr = trainers.BpeTrainer(vocab_size=900, special_tokens=specials, show_progress=False)
    tok.train_from_iterator([corpus], trainer=tr)
    # Byte tokens must be ordinary vocabulary entries (as in Llama/Gemma), not added tokens.
    d = json.loads(tok.to_str())
    d["added_tokens"] = [a for a in d["added_tokens"] if not a["content"].startswith("<0x")]
    d["post_processor"] = {"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [d["model"]["vocab"]["<s>"]], "tokens": ["<s>"]}}}
    open(os.path.join(HERE, name + ".tokenizer.json"), "w").write(json.dumps(d, ensure_ascii=False))
    return Tokenizer.from_file(os.path.join(HERE, name + ".tokenizer.json"))

qwen_rx = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
llama3_rx = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
custom_rx = r"\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+|\s+"
toks = {
    "bytelevel-gpt2": train_bpe(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), "bytelevel-gpt2"),
    "bytelevel-qwen2": train_bpe(pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(qwen_rx), "isolated"),
                                                          pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), "bytelevel-qwen2"),
    "bytelevel-llama3": train_bpe(pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(llama3_rx), "isolated"),
                                                           pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), "bytelevel-llama3"),
    "bytelevel-digits": train_bpe(pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                           pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]), "bytelevel-digits"),
    "bytelevel-customregex": train_bpe(pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(custom_rx), "isolated"),
                                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), "bytelevel-customregex"),
    "metaspace-bytefallback": train_metaspace("metaspace-bytefallback"),
}
def variant(base, name, normalizer, pre_tokenizer):
    """The metaspace model with another normalizer / pre-tokenizer configuration."""
    d = json.load(open(os.path.join(HERE, base + ".tokenizer.json")))
    d["normalizer"], d["pre_tokenizer"] = normalizer, pre_tokenizer
    open(os.path.join(HERE, name + ".tokenizer.json"), "w").write(json.dumps(d, ensure_ascii=False))
    return Tokenizer.from_file(os.path.join(HERE, name + ".tokenizer.json"))

# Llama-2 / Mistral style: "▁" prepended and spaces replaced by the normalizer, no pre-tokenizer.
toks["metaspace-llama2-normalizer"] = variant("metaspace-bytefallback", "metaspace-llama2-normalizer",
    {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                         {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}, None)
# Metaspace splitting into words, prepending always.
toks["metaspace-split"] = variant("metaspace-bytefallback", "metaspace-split", None,
    {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True})
minilm = Tokenizer.from_file(os.path.join(MODELS, "all-MiniLM-L6-v2/tokenizer.json"))
minilm.no_padding()
toks["minilm"] = minilm
bert_texts = TEXTS + ["The QUICK brown fox's jump-over: naïve Café, 東京タワー!", "unaffable supercalifragilisticexpialidocious [CLS] [SEP]",
                      " ".join(["word"] * 200), "\u00adsoft\u200bhyphen \x07bell"]
expected = {}
for name, tok in toks.items():
    texts = bert_texts if name == "minilm" else TEXTS
    expected[name] = [{"text": t,
                       "ids": tok.encode(t, add_special_tokens=False).ids,
                       "ids_with_specials": tok.encode(t, add_special_tokens=True).ids} for t in texts]
json.dump(expected, open(os.path.join(HERE, "expected.json"), "w"), ensure_ascii=False, indent=0)
print({k: len(v) for k, v in expected.items()})
