"""Finetunes the pretrained model the book's two ways (ch. 6 classification, ch. 7 instruction following).

summarize: all weights trained on Alpaca-format pairs from the corpus; the loss covers the response and its closing
<|endoftext|> only (the prompt tokens are masked with -100, the book's exercise 7.2 variant), batches padded with -100.
classify: out_head replaced by Linear(C, num_labels) with bias; only the last transformer block, final_norm and the
head are trained, from the logits at the last token of each snippet (snippets truncated to max_tokens). The output of
the frozen blocks is computed once and reused for every epoch.
"""
import argparse
import json
import math
import os
import random
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from training.data import read_docs
from training.model import GPTModel, cpu_state, pick_device
from training.pairs import pairs_of, prompt_of
from training.snippets import LABELS, build
from training.tokenizer import load_hf


def load_pretrained(path, device):
    ck = torch.load(path, map_location="cpu")
    model = GPTModel(ck["cfg"])
    model.load_state_dict(ck["model"])
    return model.to(device), ck["cfg"]


def summarize_examples(tok, docs, count, max_len, seed):
    pairs = [p for d in docs for p in pairs_of(d)]
    rng = random.Random(seed)
    rng.shuffle(pairs)
    eot = tok.token_to_id("<|endoftext|>")
    out = []
    for p in pairs:
        prompt = tok.encode(prompt_of(p)).ids
        resp = tok.encode(p["output"]).ids + [eot]
        if len(prompt) + len(resp) <= max_len:
            out.append((prompt, resp))
        if len(out) >= count:
            break
    return out


def train_summarize(args):
    torch.manual_seed(args.seed)
    tok = load_hf(args.tokenizer)
    device = pick_device(args.device)
    model, cfg = load_pretrained(args.pretrained, device)
    examples = summarize_examples(tok, read_docs(os.path.join(args.corpus, "train.jsonl")),
                                  args.steps * args.batch, args.max_len, args.seed)
    # Length-grouped batches (sorted within chunks of 8 batches) to cut padding; batch order stays seeded.
    rng = random.Random(args.seed + 1)
    batches = []
    chunk = args.batch * 8
    for i in range(0, len(examples), chunk):
        part = sorted(examples[i:i + chunk], key=lambda e: len(e[0]) + len(e[1]))
        batches.extend(part[j:j + args.batch] for j in range(0, len(part), args.batch))
    rng.shuffle(batches)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    model.train()
    log = open(os.path.join(args.out, "summarize_loss.csv"), "w")
    log.write("step,lr,loss,elapsed_s\n")
    start = time.time()
    running = None
    for step, b in enumerate(batches[:args.steps]):
        lr = args.lr * min(1.0, (step + 1) / 10) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / args.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        T = max(len(p) + len(r) for p, r in b) - 1
        x = torch.full((len(b), T), tok.token_to_id("<|endoftext|>"), dtype=torch.long)
        y = torch.full((len(b), T), -100, dtype=torch.long)
        for i, (p, r) in enumerate(b):
            seq = p + r
            x[i, :len(seq) - 1] = torch.tensor(seq[:-1])
            y[i, len(p) - 1:len(seq) - 1] = torch.tensor(r)
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten(), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.9 * running + 0.1 * loss.item()
        if (step + 1) % 10 == 0 or step + 1 == args.steps:
            log.write(f"{step+1},{lr:.6g},{running:.4f},{time.time()-start:.0f}\n")
            log.flush()
            print(f"summarize step {step+1}/{args.steps} loss {running:.3f} {time.time()-start:.0f}s", flush=True)
    torch.save({"cfg": cfg, "model": cpu_state(model)}, os.path.join(args.out, "summarize.pt"))


def encode_snippets(tok, examples, max_tokens):
    return [(tok.encode(e["text"]).ids[:max_tokens], LABELS.index(e["label"])) for e in examples]


def classifier_from(model, num_labels, seed):
    torch.manual_seed(seed)
    model.out_head = nn.Linear(model.cfg["emb_dim"], num_labels, bias=True)
    return model


def train_classify(args):
    torch.manual_seed(args.seed)
    tok = load_hf(args.tokenizer)
    device = pick_device(args.device)
    model, cfg = load_pretrained(args.pretrained, device)
    examples = build(read_docs(os.path.join(args.corpus, "train.jsonl")), args.per_label, args.seed)
    data = encode_snippets(tok, examples, args.max_tokens)
    model = classifier_from(model, len(LABELS), args.seed).to(device)
    for p in model.parameters():
        p.requires_grad = False
    last = model.trf_blocks[-1]
    for m in (last, model.final_norm, model.out_head):
        for p in m.parameters():
            p.requires_grad = True
    model.eval()  # no dropout anyway; frozen prefix features computed once
    start = time.time()
    # Right-padded, length-sorted batches: with causal attention the padding never changes a real position, and the
    # logits are read at each snippet's own last token, exactly as an unpadded run would give.
    order = sorted(range(len(data)), key=lambda j: len(data[j][0]))
    batches = []
    with torch.no_grad():
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            T = max(len(data[j][0]) for j in idx)
            x = torch.zeros((len(idx), T), dtype=torch.long)
            for r, j in enumerate(idx):
                x[r, :len(data[j][0])] = torch.tensor(data[j][0])
            x = x.to(device)
            h = model.tok_emb(x) + model.pos_emb(torch.arange(T, device=device))
            for blk in model.trf_blocks[:-1]:
                h = blk(h)
            batches.append((h, torch.tensor([len(data[j][0]) - 1 for j in idx], device=device),
                            torch.tensor([data[j][1] for j in idx], device=device)))
    print(f"classify: frozen features for {len(data)} snippets in {time.time()-start:.0f}s", flush=True)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.1)
    log = open(os.path.join(args.out, "classify_loss.csv"), "w")
    log.write("epoch,step,loss,train_acc,elapsed_s\n")
    rng = random.Random(args.seed + 1)
    step = 0
    total_steps = args.epochs * len(batches)
    for epoch in range(args.epochs):
        border = list(range(len(batches)))
        rng.shuffle(border)
        tot_loss = 0.0
        correct = 0
        for bi in border:
            h, last_idx, y = batches[bi]
            out = model.out_head(model.final_norm(last(h)))  # [B, T, labels]
            logits = out[torch.arange(len(y), device=device), last_idx]
            loss = F.cross_entropy(logits, y)
            lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / total_steps))
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            tot_loss += loss.item() * len(y)
            correct += (logits.argmax(-1) == y).sum().item()
        log.write(f"{epoch+1},{step},{tot_loss/len(data):.4f},{correct/len(data):.4f},{time.time()-start:.0f}\n")
        log.flush()
        print(f"classify epoch {epoch+1} loss {tot_loss/len(data):.4f} acc {correct/len(data):.4f} {time.time()-start:.0f}s", flush=True)
    torch.save({"cfg": cfg, "model": cpu_state(model), "labels": LABELS, "max_tokens": args.max_tokens},
               os.path.join(args.out, "classify.pt"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["summarize", "classify"])
    ap.add_argument("--corpus", default="training/out/corpus")
    ap.add_argument("--tokenizer", default="models/default")
    ap.add_argument("--pretrained", default="training/out/pretrain/model.pt")
    ap.add_argument("--out", default="training/out/finetune")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--batch", type=int, default=8, help="summarize: sequences per step; classify: snippets per step")
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--max-len", type=int, default=256)
    ap.add_argument("--per-label", type=int, default=300)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    if args.task == "summarize":
        train_summarize(args)
    else:
        train_classify(args)


if __name__ == "__main__":
    main()
