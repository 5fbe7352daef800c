"""Pretrains GPTModel on the corpus token stream (next-token prediction), logging the loss curve.

Deterministic for a given seed, step count, device and thread count. The token stream holds exactly the windows that
--steps batches need (a seeded, language-weighted shuffle of the train files), so the data seen depends on --steps and
--seed only. Runs on a CUDA GPU when one is present (--device auto), otherwise on the CPU.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from training.data import read_docs, token_stream
from training.model import GPTModel, cpu_state, init_weights, pick_device
from training.tokenizer import base_vocab_size, load_hf


def lr_at(step, total, peak, warmup, floor=0.1):
    if step < warmup:
        return peak * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


@torch.no_grad()
def evaluate(model, windows, batch=8):
    model.eval()
    windows = windows.to(next(model.parameters()).device)
    loss_sum = 0.0
    correct = 0
    n = 0
    for i in range(0, len(windows), batch):
        x = windows[i:i + batch, :-1]
        y = windows[i:i + batch, 1:]
        logits = model(x)
        loss_sum += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum").item()
        correct += (logits.argmax(-1) == y).sum().item()
        n += y.numel()
    model.train()
    return loss_sum / n, correct / n


def make_windows(stream, count, length, seed):
    rng = np.random.default_rng(seed)
    starts = rng.choice(len(stream) - length - 1, size=count, replace=False)
    return torch.from_numpy(np.stack([stream[s:s + length + 1].astype(np.int64) for s in sorted(starts)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="training/out/corpus")
    ap.add_argument("--tokenizer", default="models/default")
    ap.add_argument("--out", default="training/out/pretrain")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--steps", type=int, default=2540)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    args = ap.parse_args()
    device = pick_device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    tok = load_hf(args.tokenizer)
    vocab_size = base_vocab_size(tok)
    T = args.context
    t0 = time.time()
    train = token_stream(tok, read_docs(os.path.join(args.corpus, "train.jsonl")), args.steps * args.batch * T + T + 1, args.seed)
    held = token_stream(tok, read_docs(os.path.join(args.corpus, "heldout.jsonl")), 400_000, args.seed + 1)
    windows = make_windows(held, 16, T, args.seed + 2)
    print(f"tokenized train {len(train)} held-out {len(held)} tokens in {time.time()-t0:.0f}s", flush=True)

    cfg = dict(vocab_size=vocab_size, context_length=T, emb_dim=args.width, n_heads=args.heads, n_layers=args.layers,
               drop_rate=0.0, qkv_bias=False)
    model = GPTModel(cfg)
    init_weights(model, args.seed)
    model.to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"config {json.dumps(cfg)} params {n_params} device {device}", flush=True)
    log = open(os.path.join(args.out, "loss.csv"), "w")
    log.write("step,tokens,lr,train_loss,heldout_loss,heldout_top1,elapsed_s\n")
    total = args.steps
    rng = np.random.default_rng(args.seed + 3)
    n_windows = (len(train) - 1) // T
    order = rng.permutation(n_windows)
    start = time.time()
    step = 0
    running = None
    while True:
        if step >= total:
            break
        idx = order[(step * args.batch) % n_windows: (step * args.batch) % n_windows + args.batch]
        batch = torch.from_numpy(np.stack([train[i * T: i * T + T + 1].astype(np.int64) for i in idx])).to(device)
        lr = lr_at(step, total, args.lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.9 * running + 0.1 * loss.item()
        step += 1
        last = step >= total
        if step % args.eval_every == 0 or last or step == 1:
            hl, acc = evaluate(model, windows)
            el = time.time() - start
            log.write(f"{step},{step*args.batch*T},{lr:.6g},{running:.4f},{hl:.4f},{acc:.4f},{el:.0f}\n")
            log.flush()
            print(f"step {step}/{total} lr {lr:.2e} train {running:.3f} held-out {hl:.3f} top1 {acc:.3f} {el:.0f}s "
                  f"{step*args.batch*T/el:.0f} tok/s", flush=True)
            torch.save({"cfg": cfg, "model": cpu_state(model), "step": step}, os.path.join(args.out, "model.pt"))
    json.dump({"cfg": cfg, "steps": step, "batch": args.batch, "tokens": step * args.batch * T, "params": n_params,
               "seconds": time.time() - start, "device": str(device), "seed": args.seed, "lr": args.lr, "warmup": args.warmup},
              open(os.path.join(args.out, "summary.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
