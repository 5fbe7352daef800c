"""Token streams for pretraining: a seeded, language-weighted shuffle of the corpus files joined by <|endoftext|>."""
import json
import random

import numpy as np

# Fraction of each language's files admitted to the pretraining stream; Swift dominates the corpus by bytes, so it is
# thinned to leave room for Python, C and the documentation formats.
ACCEPT = {"swift": 0.35, "c": 0.5, "python": 1.0, "markdown": 1.0, "json": 0.5, "yaml": 1.0, "shell": 1.0, "prose": 1.0}


def read_docs(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def token_stream(tok, docs, max_tokens, seed):
    """Returns a uint16 array of at most max_tokens ids: accepted docs in seeded order, each followed by EOT."""
    rng = random.Random(seed)
    order = list(range(len(docs)))
    rng.shuffle(order)
    eot = tok.token_to_id("<|endoftext|>")
    out = []
    total = 0
    batch = []
    for i in order:
        d = docs[i]
        if rng.random() >= ACCEPT.get(d["lang"], 1.0):
            continue
        batch.append(d["text"])
        if len(batch) == 64:
            for enc in tok.encode_batch(batch):
                out.append(np.asarray(enc.ids + [eot], dtype=np.uint16))
                total += len(enc.ids) + 1
            batch = []
            if total >= max_tokens:
                break
    if batch and total < max_tokens:
        for enc in tok.encode_batch(batch):
            out.append(np.asarray(enc.ids + [eot], dtype=np.uint16))
    return np.concatenate(out)[:max_tokens]
