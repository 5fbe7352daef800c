#!/usr/bin/env python3
"""Expected GPT-2 token ids for the Tokenizer tests, computed with tiktoken (the reference).

Run from the repository root:

    python3 training/tokenizer/make_reference.py

tiktoken cannot download its gpt2 files here, so the reference Encoding is built offline from the vocabulary the
project ships (Sources/Tokenizer/Resources/gpt2/{encoder.json,vocab.bpe}) with tiktoken's own data-gym loader, the gpt2
pattern and `<|endoftext|>`; known vectors prove it is the real gpt2 encoding before anything is written.

The corpus (>= 5 MB) is rebuilt from files present on every machine of this kind (Python stdlib, C headers, shell
scripts, Swift sources at a fixed commit of a bare repository, licence and copyright prose) plus the committed files
torture.txt and the-verdict.txt. Only the manifest is committed: for each file its source, sha256, byte and token
counts, and an FNV-1a 64 hash of the expected ids (uint32 little-endian) per block of 4096 tokens, so a test can both
detect a source file that differs on this machine (and skip it) and locate the first differing block.

Also written: the full expected ids and tiktoken's pre-token split of torture.txt, and a small custom byte-level BPE
(trained with Hugging Face tokenizers on Python sources) in three forms with its expected ids.
"""
import base64
import glob
import hashlib
import json
import os
import subprocess
import sys
import sysconfig

import regex
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VOCAB = os.path.join(ROOT, "Sources/Tokenizer/Resources/gpt2")
FIXTURES = os.path.join(ROOT, "Tests/TokenizerTests/Fixtures")
# tiktoken's own gpt2 pattern (possessive form of GPT-2's original
# 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+).
GPT2_PATTERN = tiktoken_ext.openai_public.r50k_pat_str
BLOCK = 4096
PYLIB = sysconfig.get_paths()["stdlib"]  # the standard library of the Python running this script
SWIFT_REPO = os.path.join(os.environ.get("SWIFT_PACKAGES", ""), "apple/swift-collections.git")
SWIFT_COMMIT = "b9f4b3586ced378bbddc36a676d2aca082492ed9"


def gpt2_encoding():
    # The same hashes tiktoken_ext.openai_public.gpt2() pins for its downloads.
    ranks = tiktoken.load.data_gym_to_mergeable_bpe_ranks(
        vocab_bpe_file=os.path.join(VOCAB, "vocab.bpe"), encoder_json_file=os.path.join(VOCAB, "encoder.json"),
        vocab_bpe_hash="1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
        encoder_json_hash="196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783")
    enc = tiktoken.Encoding(name="gpt2-offline", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                            special_tokens={"<|endoftext|>": 50256})
    known = {"hello world": [31373, 995], "Every effort moves you": [6109, 3626, 6100, 345], "!!!!!!": [13896, 3228]}
    for text, ids in known.items():
        assert enc.encode_ordinary(text) == ids, (text, enc.encode_ordinary(text))
    assert enc.n_vocab == 50257
    assert enc.encode("<|endoftext|>", allowed_special="all") == [50256]
    verdict = open(os.path.join(FIXTURES, "the-verdict.txt"), encoding="utf-8", newline="").read()
    assert len(enc.encode_ordinary(verdict)) == 5145
    return enc


def fnv1a64(ids):
    h = 0xcbf29ce484222325
    for i in ids:
        for b in i.to_bytes(4, "little"):
            h ^= b
            h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def block_hashes(ids):
    return ["%016x" % fnv1a64(ids[i:i + BLOCK]) for i in range(0, len(ids), BLOCK)]


def utf8_or_none(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def take(paths, budget, read=lambda p: open(p, "rb").read()):
    """(path, bytes) of valid UTF-8 files, sorted by path, until `budget` bytes are collected."""
    out, total = [], 0
    for p in sorted(paths):
        try:
            data = read(p)
        except (OSError, subprocess.CalledProcessError):
            continue
        if not data or utf8_or_none(data) is None or total >= budget:
            continue
        out.append((p, data))
        total += len(data)
    return out


def is_shell_script(path):
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    return head.startswith(b"#!") and (b"sh" in head.split(b"\n")[0]) and os.path.isfile(path) and not os.path.islink(path)


def git_show(path):
    return subprocess.run(["git", "-C", SWIFT_REPO, "show", f"{SWIFT_COMMIT}:{path}"], check=True,
                          capture_output=True).stdout


def corpus_sources():
    """[(entry, bytes)]: entry is the manifest record without the ids-derived fields."""
    items = []
    for name in ["torture.txt", "the-verdict.txt"]:
        items.append(({"kind": "fixture", "path": name}, open(os.path.join(FIXTURES, name), "rb").read()))
    for p, d in take(glob.glob(PYLIB + "/*.py"), 2_000_000):
        items.append(({"kind": "file", "path": p}, d))
    for p, d in take(glob.glob("/usr/include/*.h"), 1_200_000):
        items.append(({"kind": "file", "path": p}, d))
    for p, d in take([p for p in glob.glob("/usr/bin/*") if is_shell_script(p)], 450_000):
        items.append(({"kind": "file", "path": p}, d))
    listing = subprocess.run(["git", "-C", SWIFT_REPO, "ls-tree", "-r", "--name-only", SWIFT_COMMIT], check=True,
                             capture_output=True, text=True).stdout.split("\n")
    for p, d in take([p for p in listing if p.endswith(".swift")], 1_000_000, read=git_show):
        items.append(({"kind": "git", "repository": SWIFT_REPO, "commit": SWIFT_COMMIT, "path": p}, d))
    prose = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(glob.glob("/usr/share/doc/*/copyright"))
    prose = [p for p in prose if os.path.isfile(p) and not os.path.islink(p)]
    for p, d in take(prose, 700_000):
        items.append(({"kind": "file", "path": p}, d))
    return items


def committed_sources():
    """The file list of the committed manifest, read again, so packages installed later on this machine do not
    change which files make the corpus. Pass --select-again to choose the files afresh."""
    manifest = json.load(open(os.path.join(FIXTURES, "corpus-manifest.json")))
    items = []
    for entry in manifest["files"]:
        entry = {k: entry[k] for k in ("kind", "repository", "commit", "path") if k in entry}
        if entry["kind"] == "fixture":
            data = open(os.path.join(FIXTURES, entry["path"]), "rb").read()
        elif entry["kind"] == "file":
            data = open(entry["path"], "rb").read()
        else:
            data = subprocess.run(["git", "-C", entry["repository"], "show", f"{entry['commit']}:{entry['path']}"],
                                  check=True, capture_output=True).stdout
        items.append((entry, data))
    return items


def make_corpus_manifest(enc):
    files, total = [], 0
    reuse = os.path.exists(os.path.join(FIXTURES, "corpus-manifest.json")) and "--select-again" not in sys.argv
    for entry, data in (committed_sources() if reuse else corpus_sources()):
        ids = enc.encode_ordinary(data.decode("utf-8"))
        entry.update({"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "tokens": len(ids),
                      "blocks": block_hashes(ids)})
        files.append(entry)
        total += len(data)
    assert total >= 5_000_000, total
    kinds = {}
    for f in files:
        key = f["path"].rsplit(".", 1)[-1] if f["kind"] != "file" or "." in os.path.basename(f["path"]) else "other"
        kinds[key] = kinds.get(key, 0) + f["bytes"]
    print(f"corpus: {len(files)} files, {total} bytes, {sum(f['tokens'] for f in files)} tokens; by ending {kinds}")
    manifest = {"comment": "written by training/tokenizer/make_reference.py; ids hashed with FNV-1a 64 over uint32 LE",
                "blockSize": BLOCK, "totalBytes": total, "files": files}
    with open(os.path.join(FIXTURES, "corpus-manifest.json"), "w") as f:
        json.dump(manifest, f, indent=0)


def make_torture_reference(enc):
    text = open(os.path.join(FIXTURES, "torture.txt"), encoding="utf-8", newline="").read()
    pieces = regex.findall(GPT2_PATTERN, text)
    assert "".join(pieces) == text
    with open(os.path.join(FIXTURES, "torture-pretokens.json"), "w") as f:
        json.dump(pieces, f, ensure_ascii=True, indent=0)
    with open(os.path.join(FIXTURES, "torture-ids.json"), "w") as f:
        json.dump(enc.encode_ordinary(text), f)


# Every Unicode scalar once, each followed by a separator in turn, so that the letter / number / space class of every
# code point (assigned or not) meets each alternative of the pattern. The Swift test builds the same text.
EVERY_SCALAR_SEPARATORS = ["a", "1", " ", "  ", "!", "\n", " x", "'s", "\t"]


def every_scalar_text():
    seps = EVERY_SCALAR_SEPARATORS
    return "".join(chr(v) + seps[v % len(seps)] for v in range(0x110000) if not 0xD800 <= v <= 0xDFFF)


def make_every_scalar_reference(enc):
    text = every_scalar_text()
    ids = enc.encode_ordinary(text)
    with open(os.path.join(FIXTURES, "every-scalar.json"), "w") as f:
        json.dump({"comment": "ids of every_scalar_text() in training/tokenizer/make_reference.py",
                   "separators": EVERY_SCALAR_SEPARATORS, "bytes": len(text.encode()), "tokens": len(ids),
                   "blockSize": BLOCK, "blocks": block_hashes(ids)}, f, indent=0)
    print(f"every scalar: {len(text.encode())} bytes, {len(ids)} tokens")


def make_custom_bpe(enc):
    """A 1000-token byte-level BPE trained on Python sources, in vocab.json+merges.txt, tokenizer.json and tiktoken
    forms, with ids from Hugging Face tokenizers; tiktoken on the rank form must agree."""
    from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1000, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    sources = [os.path.join(PYLIB, n) for n in ["json/decoder.py", "json/encoder.py", "textwrap.py", "shlex.py"]]
    tok.train(sources, trainer)
    out = os.path.join(FIXTURES, "custom-bpe")
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    tok.model.save(out)  # vocab.json + merges.txt
    sample = open(os.path.join(PYLIB, "json/scanner.py"), encoding="utf-8", newline="").read()[:6000] + \
        "\nNon-code: Ünïcödé 日本語 🎉 and  spaces\t\ttabs end."
    ids = tok.encode(sample).ids
    # The same vocabulary as tiktoken ranks: the id is the rank (ids follow merge order after the byte alphabet).
    vocab = json.load(open(os.path.join(out, "vocab.json"), encoding="utf-8"))
    byte_decoder = {v: k for k, v in bytes_to_unicode().items()}
    ranks = {bytes(byte_decoder[c] for c in token): rank for token, rank in vocab.items() if token != "<|endoftext|>"}
    tk = tiktoken.Encoding(name="custom", pat_str=GPT2_PATTERN, mergeable_ranks=ranks,
                           special_tokens={"<|endoftext|>": vocab["<|endoftext|>"]})
    assert tk.encode_ordinary(sample) == ids, "tiktoken and HF tokenizers disagree on the custom BPE"
    with open(os.path.join(out, "custom.tiktoken"), "w") as f:
        for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
            f.write(base64.b64encode(token).decode() + " " + str(rank) + "\n")
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"text": sample, "ids": ids, "endOfText": vocab["<|endoftext|>"], "vocabularySize": len(vocab)}, f)
    print(f"custom BPE: {len(vocab)} tokens, sample {len(sample)} chars -> {len(ids)} ids")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


if __name__ == "__main__":
    enc = gpt2_encoding()
    make_torture_reference(enc)
    make_corpus_manifest(enc)
    make_every_scalar_reference(enc)
    make_custom_bpe(enc)
    sys.exit(0)
