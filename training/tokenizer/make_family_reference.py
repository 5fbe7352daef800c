#!/usr/bin/env python3
"""Expected token ids of the Llama 3, Qwen2 and SmolLM2 tokenizer schemes, computed with Hugging Face `tokenizers`
(and tiktoken for the Llama 3 rank file), for the Tokenizer tests.

Run from the repository root, in a venv with the versions the committed fixtures were made with (PyPI; nothing is
downloaded from the Hugging Face Hub; another tokenizers version may write the peers' tokenizer.json differently,
and the tests then skip them as files other than the ones the expected ids came from):

    pip install tokenizers==0.23.3 tiktoken==0.14.0 gguf==0.19.0

    python3 training/tokenizer/make_family_reference.py            # peers, then the committed fixtures
    python3 training/tokenizer/make_family_reference.py --peers    # only the peers (what the tests look for)

Two kinds of output:

1. Peers (not committed: they are other projects' files, rebuilt on demand) in training/out/tokenizer-peers/, or
   $GPTLS_TOKENIZER_PEERS. llama-cpp-python's source distribution (fetched with `pip download`, or given with
   --sdist) vendors llama.cpp's vocabulary-only GGUF files with their test vectors (`.inp` texts, `.out` ids). From
   `ggml-vocab-qwen2.gguf` and `ggml-vocab-llama-bpe.gguf` this script rebuilds the real Qwen2 and Llama 3
   tokenizers as `tokenizer.json` with `tokenizers` (BPE from the GGUF's tokens and merges, the family's
   normalizer, pre-tokenizer and added tokens; Qwen2 gets the 22 added tokens of Qwen2.5), checks them against
   llama.cpp's test vectors, and writes the Llama 3 rank file `tokenizer.model` the book's Llama 3 tokenizer reads.
2. Fixtures (committed) in Tests/TokenizerTests/Fixtures/families/: a varied text suite; the ids each real
   vocabulary gives for it (with the sha256 of the peer file they were computed from, so a test can tell a different
   file from a regression); and, on the GPT-2 vocabulary this project ships, each family's scheme (its pre-tokenizer,
   normalizer, `ignore_merges`, added tokens) as a tokenizer.json skeleton with the ids of the suite, torture.txt
   and every Unicode scalar (block hashes), so the scanners are checked on every machine, peers or not; and a tiny
   synthetic Llama 3-scheme tokenizer.json in both merge forms, with one whose split regex is unknown.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import subprocess
import sys
import tarfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GPT2_FILES = os.path.join(ROOT, "Sources/Tokenizer/Resources/gpt2")
FIXTURES = os.path.join(ROOT, "Tests/TokenizerTests/Fixtures")
OUT = os.path.join(FIXTURES, "families")
PEERS = os.environ.get("GPTLS_TOKENIZER_PEERS") or os.path.join(ROOT, "training/out/tokenizer-peers")
SDIST = "llama-cpp-python==0.3.36"
BLOCK = 4096

# The split patterns exactly as the families' tokenizer.json files write them.
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")

# Qwen2.5's added tokens, from id 151643 on: (content, special). The base vocabulary and merges are Qwen2's.
QWEN25_ADDED = [
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True), ("<|object_ref_start|>", True),
    ("<|object_ref_end|>", True), ("<|box_start|>", True), ("<|box_end|>", True), ("<|quad_start|>", True),
    ("<|quad_end|>", True), ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True), ("<tool_call>", False), ("</tool_call>", False),
    ("<|fim_prefix|>", True), ("<|fim_middle|>", True), ("<|fim_suffix|>", True), ("<|fim_pad|>", True),
    ("<|repo_name|>", True), ("<|file_sep|>", True),
]

# The text suite: code, prose, Unicode, whitespace runs, digits, contractions in every case, emoji, CJK, and
# special-token text written inside user text (which must stay text).
TEXTS = [
    "",
    " ",
    "Hello world",
    " Hello, World! How's it going? I'M FINE, THANKS. WE'LL SEE; YOU'RE RIGHT, THEY'VE GONE, I'D SAY IT'S OK.",
    "it's it'S IT's IT'S we'll WE'LL we'Ll you're YOU'RE you'rE they've THEY'VE I'm I'M she'd SHE'D don't DON'T",
    "'s 's's ''s '' ' 'sup 'Sup 'llama 'Re 'VE 'ſ it'ſ 'ﬆ 'K",
    "def add(a, b):\n    return a + b\n\n\nclass Point:\n\tdef __init__(self, x=0, y=0):\n\t\tself.x, self.y = x, y\n",
    "func encode(_ text: String) -> [Int] {\n    guard !text.isEmpty else { return [] }\n    return text.utf8.map { Int($0) }\n}\n",
    "{\"key\": [1, 2.5, -3e10, null, true], \"nested\": {\"a\": \"b\\n\"}}\r\n",
    "#include <stdio.h>\r\nint main(void) {\r\n\tprintf(\"%d\\n\", 42);\r\n\treturn 0;\r\n}\r\n",
    "a   b    c\t\td \t e\n\n\nf \n \n g   \n\n   h\r\n\r\n  i  ",
    "trailing spaces    ",
    "   leading spaces",
    "\n\n\n",
    " \n",
    "\t\n\t",
    "x\u3000y\u3000\u3000z \u3000w\u00a0v\u2028u\u2029t\u0085s\u000bq\u000cp",
    "1 12 123 1234 12345 123456 1234567 3.14159 1,000,000 0x1F -42 +7 1e-9 ٣٤٥٦ ½ ²³ Ⅻ ① 𝟙𝟚𝟛",
    "ABC123def456 abc1 1abc a1b2c3 v2.0.1 2024-06-01T12:34:56Z",
    "!!! ??? ... --- (parens) [brackets] {braces} <angle> !!!\n\n?!\r\n;;\n",
    "Café naïve résumé façade Ångström Øre Ærø straße İstanbul",
    "e\u0301 a\u0308 n\u0303 \u212b \u2126 \u1100\u1161\u11a8 \u0041\u030a\u0301 q\u0307\u0323",
    "日本語のテキストとカタカナ ー 你好，世界！这是一个测试。 한국어 텍스트입니다",
    "Россия и Українa, Ελληνικά, עברית, مرحبا بالعالم, हिन्दी भाषा, ภาษาไทย",
    "Emoji: 😀👍🏽🇺🇸 and ❤️ 🧑🏿‍🤝‍🧑🏻 👨‍👩‍👧‍👦 🦙.cpp",
    "<|endoftext|>",
    "a<|endoftext|>b <|im_start|>user\nhi<|im_end|>\n<|begin_of_text|><|start_header_id|>x<|end_header_id|>",
    "<|eot_id|> <|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|> <tool_call>{\"n\": 1}</tool_call>",
    "[PAD151646] <|reserved_special_token_3|> <|im_start|",
    "https://example.com/path?q=1&r=two#frag user@example.org C:\\Windows\\path",
    "# Title\n\n- item **bold** _it_ `code`\n> quote\n\n| a | b |\n|---|---|\n",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "supercalifragilisticexpialidocious antidisestablishmentarianism Pneumonoultramicroscopic",
    "    indented\n        more\n            deep\n\tand tabs\n",
    "x\r\ny\rz\n\rw",
    "end with newline\n",
    "\u0000\u0001\u007f\u00ad\u200b\u200d\ufeff",
]

# Every scalar once, each followed by a separator in turn (as in make_reference.py, with more separators that meet
# the Llama 3 alternatives: CR LF, an ideographic space, upper-case contractions, digit runs).
EVERY_SCALAR_SEPARATORS = ["a", "1", " ", "  ", "!", "\n", " x", "'s", "\t", "'S", "\r\n", "1234", " !", "\u3000"]


def every_scalar_text():
    seps = EVERY_SCALAR_SEPARATORS
    return "".join(chr(v) + seps[v % len(seps)] for v in range(0x110000) if not 0xD800 <= v <= 0xDFFF)


def fnv1a64(ids):
    h = 0xcbf29ce484222325
    for i in ids:
        for b in i.to_bytes(4, "little"):
            h ^= b
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def block_hashes(ids):
    return ["%016x" % fnv1a64(ids[i:i + BLOCK]) for i in range(0, len(ids), BLOCK)]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_text(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8", newline="") as f:
        return f.read()


# MARK: Schemes


def split_then_bytes(pattern):
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])


SCHEMES = {
    # name: (pre-tokenizer, NFC?, ignore_merges)
    "gpt2": (lambda: pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), False, False),
    "llama3": (lambda: split_then_bytes(LLAMA3_PATTERN), False, True),
    "qwen2": (lambda: split_then_bytes(QWEN2_PATTERN), True, False),
    "smollm": (lambda: pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)]), False, False),
}


def build(vocab, merges, scheme, added):
    """A tokenizers Tokenizer: byte-level BPE with the scheme's pre-tokenizer and normalizer, then `added`
    ((content, special) in id order, right after the vocabulary)."""
    pre, nfc, ignore_merges = SCHEMES[scheme]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, ignore_merges=ignore_merges))
    tok.pre_tokenizer = pre()
    if nfc:
        tok.normalizer = normalizers.NFC()
    tok.decoder = decoders.ByteLevel()
    for content, special in added:
        before = tok.get_vocab_size(with_added_tokens=True)
        token = AddedToken(content, special=special, normalized=False)
        (tok.add_special_tokens if special else tok.add_tokens)([token])
        assert tok.token_to_id(content) == before, (content, tok.token_to_id(content), before)
    # Special-token text inside user text is text; non-special added tokens are still matched, as in HF and llama.cpp.
    tok.encode_special_tokens = True
    return tok


def encode(tok, text):
    return tok.encode(text, add_special_tokens=False).ids


def gpt2_vocabulary():
    with open(os.path.join(GPT2_FILES, "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(GPT2_FILES, "vocab.bpe"), encoding="utf-8") as f:
        lines = f.read().split("\n")[1:]
    merges = [tuple(line.split(" ")) for line in lines if line]
    del vocab["<|endoftext|>"]
    return vocab, merges


# MARK: Peers


def find_sdist(explicit):
    if explicit:
        return explicit
    found = sorted(glob.glob(os.path.join(PEERS, "sdist", "llama_cpp_python-*.tar.gz")))
    if found:
        return found[-1]
    os.makedirs(os.path.join(PEERS, "sdist"), exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", SDIST,
                    "-d", os.path.join(PEERS, "sdist")], check=True)
    return sorted(glob.glob(os.path.join(PEERS, "sdist", "llama_cpp_python-*.tar.gz")))[-1]


def extract_vocab_files(sdist):
    wanted = [f"ggml-vocab-{name}.gguf{suffix}" for name in ("qwen2", "llama-bpe", "gpt-2") for suffix in ("", ".inp", ".out")]
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            name = os.path.basename(member.name)
            if name in wanted and "/vendor/llama.cpp/models/" in member.name:
                with archive.extractfile(member) as src, open(os.path.join(PEERS, name), "wb") as dst:
                    dst.write(src.read())
                wanted.remove(name)
    assert not wanted, f"{sdist} lacks {wanted}"


def read_gguf_vocabulary(path):
    from gguf import GGUFReader
    fields = GGUFReader(path).fields
    value = lambda key: fields[key].contents() if key in fields else None
    return {"tokens": value("tokenizer.ggml.tokens"), "types": value("tokenizer.ggml.token_type"),
            "merges": value("tokenizer.ggml.merges"), "pre": value("tokenizer.ggml.pre")}


def llama_cpp_vectors(gguf_path):
    """llama.cpp's test vectors: the texts of `.inp` and the ids of `.out`, test by test."""
    with open(gguf_path + ".inp", encoding="utf-8", newline="") as f:
        texts = f.read().split("\n__ggml_vocab_test__\n")
    with open(gguf_path + ".out", encoding="utf-8") as f:
        lines = f.read().split("\n")
    texts[-1] = texts[-1].removesuffix("\n")
    return [(text, [int(x) for x in line.split()]) for text, line in zip(texts, lines)]


def check_against_llama_cpp(tok, gguf_path, name):
    failures = 0
    vectors = llama_cpp_vectors(gguf_path)
    for text, expected in vectors:
        actual = encode(tok, text)
        if actual != expected:
            failures += 1
            print(f"  {name}: differs from llama.cpp on {text!r}: {actual} vs {expected}")
    print(f"{name}: {len(vectors) - failures} of {len(vectors)} llama.cpp vectors identical")
    assert failures == 0


def write_tokenizer(tok, directory, merges_as_pairs, config):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "tokenizer.json")
    tok.save(path)
    with open(path, encoding="utf-8") as f:
        root = json.load(f)
    merges = root["model"]["merges"]
    root["model"]["merges"] = [m.split(" ") if isinstance(m, str) else m for m in merges] if merges_as_pairs \
        else [" ".join(m) if isinstance(m, list) else m for m in merges]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(root, f, ensure_ascii=False)
    with open(os.path.join(directory, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    reloaded = Tokenizer.from_file(path)
    reloaded.encode_special_tokens = True
    return reloaded, path


def make_peers(sdist):
    os.makedirs(PEERS, exist_ok=True)
    extract_vocab_files(find_sdist(sdist))
    peers = {}

    path = os.path.join(PEERS, "ggml-vocab-qwen2.gguf")
    g = read_gguf_vocabulary(path)
    assert g["pre"] == "qwen2"
    base = [t for t, ty in zip(g["tokens"], g["types"]) if ty == 1]
    assert len(base) == 151643
    tok = build({t: i for i, t in enumerate(base)}, [tuple(m.split(" ")) for m in g["merges"]], "qwen2", [])
    check_against_llama_cpp(tok, path, "qwen2 (tokenizers, from ggml-vocab-qwen2.gguf)")
    tok = build({t: i for i, t in enumerate(base)}, [tuple(m.split(" ")) for m in g["merges"]], "qwen2", QWEN25_ADDED)
    peers["qwen2"] = write_tokenizer(tok, os.path.join(PEERS, "qwen2"), merges_as_pairs=False, config={
        "add_bos_token": False, "bos_token": None, "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
        "errors": "replace", "model_max_length": 32768, "tokenizer_class": "Qwen2Tokenizer"})

    path = os.path.join(PEERS, "ggml-vocab-llama-bpe.gguf")
    g = read_gguf_vocabulary(path)
    assert g["pre"] == "llama-bpe"
    base = g["tokens"][:128000]
    assert all(ty == 1 for ty in g["types"][:128000]) and all(ty == 3 for ty in g["types"][128000:])
    tok = build({t: i for i, t in enumerate(base)}, [tuple(m.split(" ")) for m in g["merges"]], "llama3",
                [(t, True) for t in g["tokens"][128000:]])
    check_against_llama_cpp(tok, path, "llama3 (tokenizers, from ggml-vocab-llama-bpe.gguf)")
    # As in Llama 3's own tokenizer.json: the post-processor puts <|begin_of_text|> first.
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
        special_tokens=[("<|begin_of_text|>", 128000)])
    peers["llama3"] = write_tokenizer(tok, os.path.join(PEERS, "llama3"), merges_as_pairs=True, config={
        "bos_token": {"__type": "AddedToken", "content": "<|begin_of_text|>", "lstrip": False, "normalized": False,
                      "rstrip": False, "single_word": False},
        "eos_token": "<|end_of_text|>", "model_max_length": 131072, "tokenizer_class": "PreTrainedTokenizerFast"})

    # The Llama 3 rank file: base64 of each token's bytes, then its rank (= id).
    byte_of = {c: b for b, c in bytes_to_unicode().items()}
    os.makedirs(os.path.join(PEERS, "llama3-tiktoken"), exist_ok=True)
    with open(os.path.join(PEERS, "llama3-tiktoken", "tokenizer.model"), "w", encoding="ascii") as f:
        for rank, token in enumerate(base):
            f.write(base64.b64encode(bytes(byte_of[c] for c in token)).decode() + f" {rank}\n")
    print(f"peers written to {PEERS}")
    return peers


def bytes_to_unicode():
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    mapping, shifted = {}, 256
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(shifted)
            shifted += 1
    return mapping


def llama3_tiktoken():
    """The book's Llama 3 tokenizer: tiktoken over the rank file with Llama 3's pattern."""
    import tiktoken
    import tiktoken.load
    ranks = tiktoken.load.load_tiktoken_bpe(os.path.join(PEERS, "llama3-tiktoken", "tokenizer.model"))
    return tiktoken.Encoding(name="llama3", pat_str=LLAMA3_PATTERN, mergeable_ranks=ranks, special_tokens={})


# MARK: Fixtures


def suite():
    return TEXTS + [read_text("torture.txt"), read_text("the-verdict.txt")]


def tool_versions():
    import gguf
    import tiktoken
    import tokenizers
    return {"tokenizers": tokenizers.__version__, "tiktoken": tiktoken.__version__,
            "gguf": getattr(gguf, "__version__", None) or __import__("importlib.metadata").metadata.version("gguf")}


def write_json(name, value):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")


def make_vocabulary_fixtures(peers):
    texts = suite()
    for name, (tok, path) in peers.items():
        ids = [encode(tok, text) for text in texts]
        write_json(f"{name}-ids.json", {
            "comment": f"tokenizers {__import__('tokenizers').__version__} on {os.path.relpath(path, PEERS)}, made by "
                       "training/tokenizer/make_family_reference.py from llama.cpp's vocabulary GGUF",
            "file": os.path.relpath(path, PEERS), "sha256": sha256(path), "tools": tool_versions(), "ids": ids})
        print(f"{name}: {len(texts)} texts, {sum(map(len, ids))} ids")
    enc = llama3_tiktoken()
    ids = [enc.encode_ordinary(text) for text in texts]
    hf = [encode(peers["llama3"][0], text) for text in texts]
    assert ids == hf, "tiktoken and tokenizers disagree on Llama 3"
    path = os.path.join(PEERS, "llama3-tiktoken", "tokenizer.model")
    write_json("llama3-tiktoken-ids.json", {
        "comment": "tiktoken encode_ordinary with Llama 3's pattern on llama3-tiktoken/tokenizer.model",
        "file": "llama3-tiktoken/tokenizer.model", "sha256": sha256(path), "tools": tool_versions(), "ids": ids})
    print(f"llama3 tiktoken: {len(texts)} texts, identical to tokenizers")


def make_scheme_fixtures():
    """Each family's scheme on the GPT-2 vocabulary: a skeleton (tokenizer.json without vocab and merges) and ids."""
    vocab, merges = gpt2_vocabulary()
    texts = suite()
    every = every_scalar_text()
    # <|endoftext|> as a special token at 50256, and one non-special added token, which text does produce.
    added = [("<|endoftext|>", True), ("<tool_call>", False)]
    schemes = {}
    for scheme in SCHEMES:
        tok = build(vocab, merges, scheme, added)
        skeleton = json.loads(tok.to_str())
        skeleton["model"]["vocab"] = {}
        skeleton["model"]["merges"] = []
        every_ids = encode(tok, every)
        schemes[scheme] = {"skeleton": skeleton, "ids": [encode(tok, text) for text in texts],
                           "everyScalar": {"tokens": len(every_ids), "blocks": block_hashes(every_ids)}}
        print(f"{scheme} on GPT-2's vocabulary: every scalar {len(every.encode())} bytes, {len(every_ids)} tokens")
    write_json("schemes-on-gpt2.json", {
        "comment": "tokenizers on the shipped GPT-2 vocabulary with each family's scheme; made by "
                   "training/tokenizer/make_family_reference.py",
        "everyScalarSeparators": EVERY_SCALAR_SEPARATORS, "blockSize": BLOCK, "schemes": schemes})


# A realistic split regex this project does not implement (GPT-4o's), for the error test.
O200K_PATTERN = "|".join([
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"\p{N}{1,3}", r" ?[^\s\p{L}\p{N}]+[\r\n/]*", r"\s*[\r\n]+", r"\s+(?!\S)", r"\s+"])


def make_synthetic_fixtures():
    """A tiny Llama 3-scheme tokenizer (300 tokens trained here on the suite), in both merge forms, with a special
    and a plain added token and a tokenizer_config.json; the ids tokenizers gives for the suite; and a copy whose
    split regex is one this project does not implement."""
    from tokenizers import trainers
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = split_then_bytes(LLAMA3_PATTERN)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(TEXTS, trainer)
    assert tok.get_vocab_size() == 300
    tok.add_special_tokens([AddedToken("<|eot_id|>", special=True, normalized=False)])
    tok.add_tokens([AddedToken("<tool_call>", special=False, normalized=False)])
    tok.encode_special_tokens = True
    root = json.loads(tok.to_str())
    directory = os.path.join(OUT, "synthetic")
    os.makedirs(directory, exist_ok=True)
    merges = root["model"]["merges"]
    for form, value in [("strings", [" ".join(m) if isinstance(m, list) else m for m in merges]),
                        ("pairs", [m.split(" ") if isinstance(m, str) else m for m in merges])]:
        root["model"]["merges"] = value
        with open(os.path.join(directory, f"llama3-merges-as-{form}.json"), "w", encoding="utf-8") as f:
            json.dump(root, f, ensure_ascii=False, indent=1)
    root["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = O200K_PATTERN
    with open(os.path.join(directory, "unknown-split-regex.json"), "w", encoding="utf-8") as f:
        json.dump(root, f, ensure_ascii=False, indent=1)
    with open(os.path.join(directory, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": None, "eos_token": "<|eot_id|>", "add_bos_token": False}, f, indent=1)
    write_json("synthetic/expected.json", {
        "comment": "tokenizers on synthetic/llama3-merges-as-*.json, the texts of texts.json; made by "
                   "training/tokenizer/make_family_reference.py",
        "ids": [encode(tok, text) for text in TEXTS]})
    print(f"synthetic: {tok.get_vocab_size(with_added_tokens=True)} tokens, {len(merges)} merges")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sdist", help="llama-cpp-python's source distribution (.tar.gz); fetched if not given")
    parser.add_argument("--peers", action="store_true", help="only rebuild the peers the tests look for")
    args = parser.parse_args()
    peers = make_peers(args.sdist)
    if args.peers:
        return
    os.makedirs(OUT, exist_ok=True)
    write_json("texts.json", TEXTS)
    make_vocabulary_fixtures(peers)
    make_scheme_fixtures()
    make_synthetic_fixtures()


if __name__ == "__main__":
    main()
