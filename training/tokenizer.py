"""Trains the byte-level BPE tokenizer and writes it in GPT-2's file format (vocab.json + merges.txt).

GPT-2 layout is kept exactly: ids 0..255 are the 256 byte symbols in GPT-2's bytes_to_unicode order, id 256+i is the
token made by merge rank i (merges.txt line i), and <|endoftext|> is the last id. The fill-in-the-middle step
(training/fim.py) appends StarCoder's control tokens after it (`add_fim_tokens`), which gptls recognises as its
"starcoder" layout. Because ids grow with merge rank,
tiktoken's rule (merge the adjacent pair whose concatenation has the lowest id) and HF's rule (apply the lowest merge
rank) agree; `check_tiktoken` verifies this on held-out text.
"""
import json
import os
import random
import sys

import tiktoken
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

EOT = "<|endoftext|>"
# StarCoder's fill-in-the-middle and repository-form tokens, in the order they get ids after EOT.
FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, FIM_PAD, REPO_NAME, FILE_SEP = (
    "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<reponame>", "<file_sep>")
FIM_TOKENS = [FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, FIM_PAD, REPO_NAME, FILE_SEP]
SPECIALS = [EOT] + FIM_TOKENS
GPT2_PAT = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def iter_texts(path, fraction, seed):
    rng = random.Random(seed)
    with open(path) as f:
        for line in f:
            if rng.random() < fraction:
                yield json.loads(line)["text"]


def train_bpe(train_jsonl, vocab_size, fraction=0.35, seed=1234):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 1, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tok.train_from_iterator(iter_texts(train_jsonl, fraction, seed), trainer=trainer)
    return tok


def export_gpt2_format(tok, out_dir):
    """Renumbers the trained BPE into GPT-2's layout and writes vocab.json / merges.txt."""
    state = json.loads(tok.to_str())
    merges = state["model"]["merges"]
    merges = [m.split(" ") if isinstance(m, str) else m for m in merges]
    byte_syms = list(bytes_to_unicode().values())
    vocab = {s: i for i, s in enumerate(byte_syms)}
    kept = []
    for a, b in merges:
        t = a + b
        if t in vocab:
            continue
        vocab[t] = len(vocab)
        kept.append((a, b))
    vocab[EOT] = len(vocab)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in kept:
            f.write(f"{a} {b}\n")
    return len(vocab)


def load_hf(out_dir):
    """Loads vocab.json/merges.txt exactly as a GPT-2 tokenizer (same pre-tokenizer and decoder)."""
    tok = Tokenizer(models.BPE.from_file(os.path.join(out_dir, "vocab.json"), os.path.join(out_dir, "merges.txt")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([t for t in SPECIALS if tok.token_to_id(t) is not None])
    return tok


def add_fim_tokens(out_dir):
    """Appends FIM_TOKENS to out_dir/vocab.json after <|endoftext|> where they are missing; the rest of the file is
    left as it was."""
    path = os.path.join(out_dir, "vocab.json")
    with open(path, encoding="utf-8") as f:
        vocab = json.load(f)
    missing = [t for t in FIM_TOKENS if t not in vocab]
    for t in missing:
        vocab[t] = len(vocab)
    if missing:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)


def base_vocab_size(tok):
    """Rows of a model without the FIM tokens: the BPE and <|endoftext|>, which comes last."""
    return tok.token_to_id(EOT) + 1


def load_tiktoken(out_dir):
    with open(os.path.join(out_dir, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    dec = {v: k for k, v in bytes_to_unicode().items()}
    ranks = {bytes(dec[c] for c in tok): i for tok, i in vocab.items() if tok not in SPECIALS}
    return tiktoken.Encoding(name="gptls", pat_str=GPT2_PAT, mergeable_ranks=ranks,
                             special_tokens={t: vocab[t] for t in SPECIALS if t in vocab}, explicit_n_vocab=len(vocab))


def check_tiktoken(out_dir, texts):
    hf = load_hf(out_dir)
    tk = load_tiktoken(out_dir)
    bad = 0
    n = 0
    for t in texts:
        a = hf.encode(t).ids
        b = tk.encode_ordinary(t)
        n += len(a)
        if a != b:
            bad += 1
    return bad, n


def main():
    train_jsonl, heldout_jsonl, out_dir, vocab_size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    tok = train_bpe(train_jsonl, vocab_size)
    v = export_gpt2_format(tok, out_dir)
    texts = [json.loads(l)["text"] for l in open(heldout_jsonl)]
    bad, n = check_tiktoken(out_dir, texts)
    nbytes = sum(len(t.encode()) for t in texts)
    print(json.dumps({"vocab_size": v, "heldout_tokens": n, "heldout_bytes": nbytes, "bytes_per_token": nbytes / n,
                      "tiktoken_mismatched_files": bad, "heldout_files": len(texts)}))


if __name__ == "__main__":
    main()
