"""Writes the shipped model: F16 safetensors with the book's state-dict names, config.json and manifest.json.

Where the tokenizer has the FIM tokens, the completion model is the FIM step's (training/fim.py), which has rows for
them, and the summarize and classify models, finetuned from the pretrained model before those tokens existed, get the
same number of token rows here, because the three share
config.json and the tokenizer. Their new embedding rows are the mean row, which no prompt reaches (gptls encodes
control-token text in a prompt as plain text), and the summarizer's new output rows give a constant logit of
NEW_ROW_LOGIT whatever the input, so it never writes a FIM token.
"""
import argparse
import json
import os

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from training.model import hf_config
from training.pairs import INSTRUCTION
from training.tokenizer import EOT, FIM_PREFIX, load_hf

NEW_ROW_LOGIT = -30.0


def to_f16(state):
    out = {}
    for k, v in state.items():
        if k.endswith("att.mask"):
            continue
        out[k] = v.detach().to(torch.float16).contiguous()
    return out


def read(path):
    """(state, cfg or None, labels or None) of a training checkpoint .pt or a shipped .safetensors."""
    if path.endswith(".safetensors"):
        with safe_open(path, "pt") as f:
            labels = (f.metadata() or {}).get("labels")
        return {k: v.float() for k, v in load_file(path).items()}, None, labels.split(",") if labels else None
    ck = torch.load(path, map_location="cpu")
    return ck["model"], ck.get("cfg"), ck.get("labels")


def constant_logit_rows(state, count, logit):
    """Output rows whose logit is `logit` for every input. The final LayerNorm's output is scale * n + shift with
    n of zero mean, so a row w = c / scale gives c * sum(n) + c * sum(shift / scale) = c * sum(shift / scale)."""
    scale, shift = state["final_norm.scale"].float(), state["final_norm.shift"].float()
    total = float((shift / scale).sum())
    if abs(total) < 1e-3 or float(scale.abs().min()) < 1e-3:
        raise SystemExit("export: the final LayerNorm leaves no constant-logit row (sum(shift/scale) is near 0)")
    return (logit / total / scale).expand(count, -1).clone()


def grow(state, rows, constant_head):
    """`state` with `rows` token-embedding rows (new ones the mean row) and, where the output head is a language
    model's, as many output rows (constant-logit rows with `constant_head`)."""
    state = dict(state)
    emb = state["tok_emb.weight"].float()
    extra = rows - emb.shape[0]
    if extra <= 0:
        return state
    state["tok_emb.weight"] = torch.cat([emb, emb.mean(0, keepdim=True).expand(extra, -1)])
    head = state["out_head.weight"].float()
    if "out_head.bias" not in state and head.shape[0] == emb.shape[0]:
        assert constant_head, "a language model's head grows only with constant-logit rows"
        state["out_head.weight"] = torch.cat([head, constant_logit_rows(state, extra, NEW_ROW_LOGIT)])
    return state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="training/out")
    ap.add_argument("--out", default="models/default")
    ap.add_argument("--tokenizer", default="models/default")
    ap.add_argument("--completion", help="default WORK/fim/model.pt with FIM tokens, else WORK/pretrain/model.pt")
    ap.add_argument("--summarize", help="default WORK/finetune/summarize.pt")
    ap.add_argument("--classify", help="default WORK/finetune/classify.pt")
    ap.add_argument("--max-tokens", type=int, default=128, help="the classifier's max_tokens where its file lacks it")
    ap.add_argument("--fim-order", choices=["psm", "spm"],
                    help="the FIM order the completion model was trained with (default: its checkpoint's, else psm)")
    args = ap.parse_args()
    tok = load_hf(args.tokenizer)
    rows = tok.get_vocab_size()
    has_fim = tok.token_to_id(FIM_PREFIX) is not None
    default = os.path.join(args.work, "fim/model.pt" if has_fim else "pretrain/model.pt")
    completion_path = args.completion or default
    completion, cfg, _ = read(completion_path)
    order = args.fim_order
    if order is None and completion_path.endswith(".pt"):
        order = torch.load(completion_path, map_location="cpu").get("order")
    summ, _, _ = read(args.summarize or os.path.join(args.work, "finetune/summarize.pt"))
    clf_path = args.classify or os.path.join(args.work, "finetune/classify.pt")
    clf, _, labels = read(clf_path)
    max_tokens = torch.load(clf_path, map_location="cpu")["max_tokens"] if clf_path.endswith(".pt") else args.max_tokens
    if completion["tok_emb.weight"].shape[0] != rows:
        raise SystemExit(f"export: the completion model has {completion['tok_emb.weight'].shape[0]} token rows, the "
                         f"tokenizer {rows}: run training/fim.py first")
    if cfg is None:
        c = json.load(open(os.path.join(args.out, "config.json")))
        cfg = dict(context_length=c["n_positions"], emb_dim=c["n_embd"], n_heads=c["n_head"], n_layers=c["n_layer"],
                   drop_rate=0.0, qkv_bias=c["qkv_bias"])
    cfg = dict(cfg, vocab_size=rows)
    meta = {"format": "pt", "dtype": "float16"}
    # Read everything before writing: the inputs may be the files being replaced.
    summ = grow(summ, rows, constant_head=True)
    clf = grow(clf, rows, constant_head=False)
    save_file(to_f16(completion), os.path.join(args.out, "completion.safetensors"), metadata=meta)
    save_file(to_f16(summ), os.path.join(args.out, "summarize.safetensors"), metadata=meta)
    save_file(to_f16(clf), os.path.join(args.out, "classify.safetensors"), metadata=dict(meta, labels=",".join(labels)))
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(hf_config(cfg, tok.token_to_id(EOT)), f, indent=2)
        f.write("\n")
    manifest = {
        "name": "gptls-default-code-small",
        "format": "gptls-manifest-1",
        "config": "config.json",
        "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt"},
        "tasks": {
            "completion": dict({"weights": "completion.safetensors"},
                               **({"fim_order": order} if has_fim and order not in (None, "psm") else {})),
            "summarize": {"weights": "summarize.safetensors", "prompt_format": "alpaca", "instruction": INSTRUCTION},
            "classify": {"weights": "classify.safetensors", "labels": labels, "max_tokens": max_tokens,
                         "pooling": "last"},
        },
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("exported to", args.out)


if __name__ == "__main__":
    main()
