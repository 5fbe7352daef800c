"""Writes the shipped model: F16 safetensors with the book's state-dict names, config.json and manifest.json."""
import argparse
import json
import os

import torch
from safetensors.torch import save_file

from training.model import hf_config
from training.snippets import LABELS
from training.pairs import INSTRUCTION


def to_f16(state):
    out = {}
    for k, v in state.items():
        if k.endswith("att.mask"):
            continue
        out[k] = v.detach().to(torch.float16).contiguous()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="training/out")
    ap.add_argument("--out", default="models/default")
    ap.add_argument("--max-tokens", type=int, default=128)
    args = ap.parse_args()
    base = torch.load(os.path.join(args.work, "pretrain/model.pt"), map_location="cpu")
    summ = torch.load(os.path.join(args.work, "finetune/summarize.pt"), map_location="cpu")
    clf = torch.load(os.path.join(args.work, "finetune/classify.pt"), map_location="cpu")
    cfg = base["cfg"]
    meta = {"format": "pt", "dtype": "float16"}
    save_file(to_f16(base["model"]), os.path.join(args.out, "completion.safetensors"), metadata=meta)
    save_file(to_f16(summ["model"]), os.path.join(args.out, "summarize.safetensors"), metadata=meta)
    save_file(to_f16(clf["model"]), os.path.join(args.out, "classify.safetensors"),
              metadata=dict(meta, labels=",".join(clf["labels"])))
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(hf_config(cfg), f, indent=2)
        f.write("\n")
    manifest = {
        "name": "gptls-default-code-small",
        "format": "gptls-manifest-1",
        "config": "config.json",
        "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"},
        "tasks": {
            "completion": {"weights": "completion.safetensors"},
            "summarize": {"weights": "summarize.safetensors", "prompt_format": "alpaca", "instruction": INSTRUCTION},
            "classify": {"weights": "classify.safetensors", "labels": clf["labels"], "max_tokens": clf["max_tokens"],
                         "pooling": "last"},
        },
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("exported to", args.out)


if __name__ == "__main__":
    main()
