"""Counts corpus tokens (shipped tokenizer and GPT-2's) per split and language; writes training/logs/corpus_stats.json."""
import collections
import json
import sys

from training.gpt2_ref import gpt2_encoding
from training.tokenizer import load_tiktoken

ours = load_tiktoken(sys.argv[2] if len(sys.argv) > 2 else "models/default")
gpt2 = gpt2_encoding()
stats = collections.defaultdict(lambda: {"files": 0, "bytes": 0, "tokens": 0, "gpt2_tokens": 0})
for split in ("train", "heldout"):
    for line in open(f"{sys.argv[1]}/{split}.jsonl"):
        d = json.loads(line)
        s = stats[f"{split}/{d['lang']}"]
        s["files"] += 1
        s["bytes"] += len(d["text"].encode())
        s["tokens"] += len(ours.encode_ordinary(d["text"]))
        s["gpt2_tokens"] += len(gpt2.encode_ordinary(d["text"]))
json.dump(dict(sorted(stats.items())), open("training/logs/corpus_stats.json", "w"), indent=1)
print(json.dumps(stats, indent=1))
