"""Continues the completion model's training with fill-in-the-middle examples in the layout gptls sends.

gptls recognises StarCoder's token texts in the tokenizer (FIM_TOKENS in training/tokenizer.py) and, for a model that
has them, prompts every completion as (Sources/Tasks/InlineCompletion+FIM.swift)

    [<reponame>workspace\\n (<file_sep>NAME\\nCHUNK\\n)... <file_sep>THIS-FILE\\n] <fim_prefix>PREFIX<fim_suffix>SUFFIX<fim_middle>

and stops on <|endoftext|>, <file_sep>, <fim_prefix> or <fim_pad>. A training example is that prompt followed by the
middle and <|endoftext|> (PSM order, as SantaCoder and StarCoder train), each part encoded on its own as gptls does,
with lengths drawn up to the budgets gptls gives the parts in a 512-token context with 48 tokens for the reply: prefix
346 and suffix 115 tokens without workspace context; context block 230, prefix 174, suffix 57 with it. The context
block holds the chunks of other files of the same repository that gptls would choose (`context_chunks`). A
--fim-rate share of the rows are packed FIM examples; the others are plain left-to-right windows as in pretraining,
which keep plain completion as good as it was. The FIM tokens are appended to the tokenizer's vocab.json first
(`add_fim_tokens`); the new token rows start from the mean embedding and output row plus seeded noise.

Deterministic for the same seed, step count, device and thread count.
"""
import argparse
import difflib
import json
import math
import os
import random
import re
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from training.data import ACCEPT, read_docs, token_stream
from training.model import GPTModel, cpu_state, pick_device
from training.pretrain import evaluate, lr_at, make_windows
from training.tokenizer import (EOT, FILE_SEP, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, FIM_TOKENS, REPO_NAME,
                                add_fim_tokens, load_hf, load_tiktoken)

REPLY = 48  # gptls's default cap on a completion's tokens
MIDDLE_MAX = 64
REPOSITORY = "workspace"  # the fixed repository name gptls writes


def budgets(context, with_chunks):
    """(context block, prefix, suffix) token budgets of gptls's FIM prompt in a context of `context` tokens."""
    room = context - min(REPLY, context // 2) - 3
    block = room // 2 if with_chunks else 0
    suffix = (room - block) // 4
    return block, room - block - suffix, suffix


class Layout:
    """Builds token sequences of gptls's FIM layout from text."""

    def __init__(self, tk, order="psm"):
        self.tk = tk
        self.order = order
        self.id = {t: tk.encode_single_token(t) for t in [EOT] + FIM_TOKENS}

    def enc(self, text):
        return self.tk.encode_ordinary(text)

    def block(self, chunks, name, capacity):
        """The repository-form block of (name, text) chunks in at most `capacity` tokens; [] without chunks."""
        header = [self.id[REPO_NAME]] + self.enc(REPOSITORY + "\n")
        current = [self.id[FILE_SEP]] + self.enc(name + "\n")
        body = []
        for chunk_name, text in chunks:
            piece = [self.id[FILE_SEP]] + self.enc(chunk_name + "\n" + (text if text.endswith("\n") else text + "\n"))
            if len(header) + len(body) + len(piece) + len(current) <= capacity:
                body += piece
        return header + body + current if body else []

    def prompt(self, prefix, suffix, block, prefix_room, suffix_room, rng=None):
        """Tokens up to <fim_middle>. The prefix keeps its last tokens: all of `prefix_room`, or with `rng`, between
        3/4 of it and all, as gptls's window moving in steps of a quarter keeps."""
        p = self.enc(prefix[-prefix_room * 8:])
        keep = prefix_room if rng is None else rng.randint(prefix_room * 3 // 4, prefix_room)
        p = p[max(0, len(p) - keep):]
        s = self.enc(suffix[:suffix_room * 8])[:suffix_room]
        if self.order == "spm":
            # Suffix first, then the prefix, which the middle continues directly (the FIM paper's SPM variant).
            return block + [self.id[FIM_PREFIX], self.id[FIM_SUFFIX]] + s + [self.id[FIM_MIDDLE]] + p
        return block + [self.id[FIM_PREFIX]] + p + [self.id[FIM_SUFFIX]] + s + [self.id[FIM_MIDDLE]]


def line_end(text, i):
    e = text.find("\n", i)
    return len(text) if e < 0 else e


def cursor_and_end(text, rng, kind):
    """A cursor position inside a non-blank line and the end of the hidden middle: the rest of the line, the rest of
    1-8 further lines, or a random span of 0-200 characters (possibly empty: nothing is missing). None where ten
    tries met only blank lines."""
    for _ in range(10):
        if not text:
            return None
        s = text.rfind("\n", 0, rng.randrange(len(text))) + 1
        e = line_end(text, s)
        if text[s:e].strip():
            break
    else:
        return None
    a = s + rng.randint(0, e - s)
    if kind == "line":
        return a, e
    if kind == "lines":
        for _ in range(rng.randint(1, 8)):
            if e < len(text):
                e = line_end(text, e + 1)
        return a, e
    return a, min(len(text), a + rng.randint(0, 200))


WORD = re.compile(r"[A-Za-z0-9_]+")
# gptls's WorkspaceContext.chunkLines when the shipped weights were trained; it is 16 now, and the prompt keeps the
# most similar chunks that fit. Trained with 16-line chunks chosen that way (and, in a second run, with the chunk that
# holds the line being written given to 30% of the examples), this 7.5M model did no better in gptls's evaluation
# (see the model card), so these settings stay those of the shipped weights.
CHUNK_LINES = 64
CURSOR_LINES_BEFORE, CURSOR_LINES_AFTER = 32, 8  # the lines it compares chunks with
FILES_SCANNED = 12  # other files of the repository a training example looks at (all of them would be slow)


def words(text):
    return set(WORD.findall(text))


def similarity(a, b):
    return len(a & b) / len(a | b) if a and b else 0.0


def context_chunks(docs, others, rng, capacity, layout, prefix, suffix):
    """Chunks of CHUNK_LINES lines of other files of the repository, the most similar to the lines around the cursor
    first (Jaccard index of their word sets), near-duplicates dropped, as gptls's WorkspaceContext chooses them from
    the editor's open documents; the layout's block keeps those that fit its capacity. Training on the chunks gptls
    would send teaches the model that they are worth reading."""
    before = prefix.split("\n")[-CURSOR_LINES_BEFORE - 1:]
    after = suffix.split("\n")[:CURSOR_LINES_AFTER + 1]
    around = words("\n".join(before) + "\n".join(after))
    scored = []
    for j in rng.sample(others, min(len(others), FILES_SCANNED)):
        lines = docs[j]["text"].split("\n")
        for start in range(0, len(lines), CHUNK_LINES):
            text = "\n".join(lines[start:start + CHUNK_LINES])
            chunk_words = words(text)
            score = similarity(chunk_words, around)
            if score > 0:
                scored.append((score, os.path.basename(docs[j]["path"]), start, text, chunk_words))
    scored.sort(key=lambda c: -c[0])
    # The 8 best that fit half the block, tokenized only as far as needed to find them.
    fitting = []
    for chunk in scored:
        if len(fitting) == 8:
            break
        if len(layout.enc(chunk[3])) <= capacity // 2:
            fitting.append(chunk)
    chosen = []
    for chunk in fitting:
        if all(similarity(chunk[4], kept[4]) <= 0.9 for kept in chosen):
            chosen.append(chunk)
    # gptls sends the chosen chunks in a stable order (by document, then line), so keystrokes reuse the KV cache.
    return [(name, text) for _, name, _, text, _ in sorted(chosen, key=lambda c: (c[1], c[2]))]


def example(docs, by_repo, i, rng, layout, context, context_rate, kind=None):
    """One FIM example of document i: (prompt tokens, middle tokens); None where the document has no usable line."""
    d = docs[i]
    text = d["text"]
    kind = kind or rng.choice(["line", "line", "lines", "span"])
    picked = cursor_and_end(text, rng, kind)
    if picked is None:
        return None
    a, e = picked
    middle = layout.enc(text[a:e])
    if len(middle) > MIDDLE_MAX:
        cut = layout.tk.decode(middle[:MIDDLE_MAX])
        if not text.startswith(cut, a):
            return None
        middle = middle[:MIDDLE_MAX]
        e = a + len(cut)
    others = [j for j in by_repo.get(d["repo"], []) if j != i]
    with_chunks = bool(others) and rng.random() < context_rate
    block_room, prefix_room, suffix_room = budgets(context, with_chunks)
    block = []
    if with_chunks:
        chunks = context_chunks(docs, others, rng, block_room, layout, text[:a], text[e:])
        block = layout.block(chunks, os.path.basename(d["path"]), block_room)
    return layout.prompt(text[:a], text[e:], block, prefix_room, suffix_room, rng), middle


class FIMRows:
    """Rows of `length` tokens packed with FIM examples of language-weighted random training documents."""

    def __init__(self, docs, layout, context, context_rate, seed):
        self.docs, self.layout, self.context, self.context_rate = docs, layout, context, context_rate
        self.rng = random.Random(seed)
        self.by_repo = {}
        for i, d in enumerate(docs):
            self.by_repo.setdefault(d["repo"], []).append(i)
        self.eot = layout.id[EOT]

    def row(self, length):
        out = []
        while len(out) < length:
            i = self.rng.randrange(len(self.docs))
            if self.rng.random() >= ACCEPT.get(self.docs[i]["lang"], 1.0):
                continue
            ex = example(self.docs, self.by_repo, i, self.rng, self.layout, self.context, self.context_rate)
            if ex is not None:
                out += ex[0] + ex[1] + [self.eot]
        return out[:length]


def heldout_cases(docs, layout, count, seed, context):
    """Held-out cursor positions with the rest of the line hidden (non-blank), each with the three prompts gptls
    would send: prefix only (the last context - 48 tokens), FIM, and FIM with a context block from the same
    repository (where the repository has another held-out file)."""
    rng = random.Random(seed)
    by_repo = {}
    for i, d in enumerate(docs):
        by_repo.setdefault(d["repo"], []).append(i)
    cases = []
    while len(cases) < count:
        i = rng.randrange(len(docs))
        d = docs[i]
        picked = cursor_and_end(d["text"], rng, "line")
        if picked is None:
            continue
        a, e = picked
        text = d["text"]
        if not text[a:e].strip() or len(layout.enc(text[a:e])) > REPLY or a < 40:
            continue
        others = [j for j in by_repo[d["repo"]] if j != i]
        _, prefix_room, suffix_room = budgets(context, False)
        fim = layout.prompt(text[:a], text[e:], [], prefix_room, suffix_room)
        fim_context = None
        chunks = []
        if others:
            block_room, prefix_room, suffix_room = budgets(context, True)
            chunks = context_chunks(docs, others, rng, block_room, layout, text[:a], text[e:])
            block = layout.block(chunks, os.path.basename(d["path"]), block_room)
            fim_context = layout.prompt(text[:a], text[e:], block, prefix_room, suffix_room)
        plain = layout.enc(text[max(0, a - 8 * context):a])[-(context - REPLY):]
        cases.append({"middle": text[a:e], "middle_ids": layout.enc(text[a:e]), "prefix_only": plain, "fim": fim,
                      "fim_context": fim_context, "name": os.path.basename(d["path"]), "prefix": text[:a],
                      "suffix": text[e:e + 8 * context], "chunks": chunks, "source": d["repo"] + "/" + d["path"]})
    return cases


@torch.no_grad()
def cached_step(model, ids, cache):
    """Logits of the last of `ids` [1, t] after the positions in `cache` (per block: keys and values [1, H, n, D]),
    which it extends: the book's forward pass, computed for the new positions only."""
    start = cache[0][0].shape[2] if cache else 0
    t = ids.shape[1]
    x = model.tok_emb(ids) + model.pos_emb(torch.arange(start, start + t))
    for i, block in enumerate(model.trf_blocks):
        att = block.att
        h = block.norm1(x)
        q, k, v = (w(h).view(1, t, att.num_heads, att.head_dim).transpose(1, 2)
                   for w in (att.W_query, att.W_key, att.W_value))
        if len(cache) > i:
            k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
        else:
            cache.append((k, v))
        # Query j (absolute start + j) sees keys 0...start + j.
        mask = torch.ones(t, start + t, dtype=torch.bool).tril(start)
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + att.out_proj(ctx.transpose(1, 2).reshape(1, t, att.d_out))
        x = x + block.ff(block.norm2(x))
    return model.out_head(model.final_norm(x[:, -1]))[0]


@torch.no_grad()
def greedy_line(model, prompt, stops, newline_ids, limit=REPLY):
    """Greedy tokens after `prompt` until a stop token, a token holding a newline, or `limit` tokens (with a KV
    cache; the reply fits the context because gptls leaves it room)."""
    cache = []
    logits = cached_step(model, torch.tensor([prompt]), cache)
    out = []
    for _ in range(limit):
        nxt = int(logits.argmax())
        if nxt in stops:
            break
        out.append(nxt)
        if nxt in newline_ids or len(prompt) + len(out) >= model.cfg["context_length"]:
            break
        logits = cached_step(model, torch.tensor([[nxt]]), cache)
    return out


@torch.no_grad()
def middle_loss(model, prompt, middle, end=None):
    """Mean negative log-likelihood of `middle` (and `end` after it, where given) following `prompt`."""
    target = middle + ([end] if end is not None else [])
    ids = torch.tensor([prompt + target])
    logits = model(ids[:, :-1])[0, len(prompt) - 1:]
    return F.cross_entropy(logits, ids[0, len(prompt):], reduction="sum").item(), len(target)


def evaluate_fim(model, cases, layout, modes, decode=True):
    """Per mode: middle loss per token (the hidden rest of the line, without the end token, so modes compare), and
    with `decode` the exact match and edit similarity of the greedy first line against the hidden rest of the line."""
    stops = {layout.id[t] for t in (EOT, FILE_SEP, FIM_PREFIX, "<fim_pad>")}
    newline_ids = {i for i in range(layout.id[EOT]) if "\n" in layout.tk.decode_single_token_bytes(i).decode("latin-1")}
    model.eval()
    result = {}
    for mode in modes:
        use = [c for c in cases if c[mode] is not None]
        loss = n = 0
        exact = sim = 0.0
        for c in use:
            l, k = middle_loss(model, c[mode], c["middle_ids"])
            loss += l
            n += k
            if decode:
                got = layout.tk.decode(greedy_line(model, c[mode], stops, newline_ids)).split("\n")[0].rstrip()
                want = c["middle"].rstrip()
                exact += got == want
                sim += difflib.SequenceMatcher(None, got, want).ratio()
        result[mode] = {"cases": len(use), "middle_loss": loss / max(1, n)}
        if decode:
            result[mode].update(exact_match=exact / max(1, len(use)), edit_similarity=sim / max(1, len(use)))
    model.train()
    return result


def load_model(path, vocab_size, seed):
    """The model in `path` (a training checkpoint .pt or shipped .safetensors beside its config.json), with its token
    embedding and output head grown to `vocab_size` rows: new rows are the mean row plus N(0, 0.02) noise."""
    if path.endswith(".safetensors"):
        state = {k: v.float() for k, v in load_file(path).items()}
        c = json.load(open(os.path.join(os.path.dirname(path), "config.json")))
        cfg = dict(vocab_size=state["tok_emb.weight"].shape[0], context_length=c["n_positions"], emb_dim=c["n_embd"],
                   n_heads=c["n_head"], n_layers=c["n_layer"], drop_rate=0.0, qkv_bias=c["qkv_bias"])
    else:
        ck = torch.load(path, map_location="cpu")
        state, cfg = ck["model"], dict(ck["cfg"])
    old = cfg["vocab_size"]
    if vocab_size > old:
        g = torch.Generator().manual_seed(seed)
        for name in ("tok_emb.weight", "out_head.weight"):
            w = state[name]
            new = w.mean(0, keepdim=True) + 0.02 * torch.randn(vocab_size - old, w.shape[1], generator=g)
            state[name] = torch.cat([w, new])
        cfg["vocab_size"] = vocab_size
    model = GPTModel(cfg)
    model.load_state_dict(state)
    return model, cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="training/out/corpus")
    ap.add_argument("--tokenizer", default="models/default")
    ap.add_argument("--init", default="training/out/pretrain/model.pt",
                    help="the pretrained model: a checkpoint .pt, or a shipped completion.safetensors")
    ap.add_argument("--out", default="training/out/fim")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--warmup", type=int, default=15)
    ap.add_argument("--steps", type=int, default=160)
    ap.add_argument("--fim-rate", type=float, default=0.5, help="share of rows packed with FIM examples")
    ap.add_argument("--context-rate", type=float, default=0.5,
                    help="share of FIM examples with a context block of other files of the repository")
    ap.add_argument("--order", choices=["psm", "spm"], default="psm",
                    help="psm: prefix, suffix, middle; spm: suffix, then the prefix the middle continues")
    ap.add_argument("--eval-every", type=int, default=40)
    ap.add_argument("--eval-cases", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    args = ap.parse_args()
    device = pick_device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    add_fim_tokens(args.tokenizer)
    tok = load_hf(args.tokenizer)
    layout = Layout(load_tiktoken(args.tokenizer), args.order)
    t0 = time.time()
    train_docs = read_docs(os.path.join(args.corpus, "train.jsonl"))
    held_docs = read_docs(os.path.join(args.corpus, "heldout.jsonl"))
    before, _ = load_model(args.init, 0, args.seed)
    model, cfg = load_model(args.init, tok.get_vocab_size(), args.seed)
    T = cfg["context_length"]
    plain_rows = sum(1 for s in range(args.steps * args.batch) if (s * 0.618034) % 1.0 >= args.fim_rate)
    # A stream seeded apart from pretraining's, so most windows are ones the model has not seen.
    plain = token_stream(tok, train_docs, plain_rows * (T + 1) + 1, args.seed + 10)
    held = token_stream(tok, held_docs, 400_000, args.seed + 1)
    windows = make_windows(held, 16, T, args.seed + 2)  # the card's held-out windows
    cases = heldout_cases(held_docs, layout, args.eval_cases, args.seed + 20, T)
    fim_rows = FIMRows(train_docs, layout, T, args.context_rate, args.seed + 30)
    print(f"data ready in {time.time()-t0:.0f}s; {plain_rows} plain rows of {args.steps * args.batch}", flush=True)

    modes = ["prefix_only", "fim", "fim_context"]
    baseline_ltr = evaluate(before, windows)
    baseline_fim = evaluate_fim(before, cases, layout, ["prefix_only"])
    print("before", baseline_ltr, json.dumps(baseline_fim), f"{time.time()-t0:.0f}s", flush=True)
    model.to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    log = open(os.path.join(args.out, "loss.csv"), "w")
    log.write("step,tokens,lr,train_loss,heldout_loss,heldout_top1,prefix_only_middle_loss,fim_middle_loss,fim_context_middle_loss,elapsed_s\n")
    start = time.time()
    running = None
    used = 0
    row_index = 0
    for step in range(1, args.steps + 1):
        rows = []
        for _ in range(args.batch):
            # A low-discrepancy sequence spreads the FIM rows evenly over the run, the same for the same settings.
            if (row_index * 0.618034) % 1.0 < args.fim_rate:
                rows.append(fim_rows.row(T + 1))
            else:
                rows.append(plain[used * (T + 1):(used + 1) * (T + 1)].astype(np.int64).tolist())
                used += 1
            row_index += 1
        batch = torch.tensor(rows, device=device)
        lr = lr_at(step - 1, args.steps, args.lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        loss = F.cross_entropy(model(batch[:, :-1]).flatten(0, 1), batch[:, 1:].flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item() if running is None else 0.9 * running + 0.1 * loss.item()
        if step % args.eval_every == 0 or step == args.steps:
            hl, acc = evaluate(model, windows)
            quick = evaluate_fim(model.cpu(), cases[:32], layout, modes, decode=False)
            model.to(device)
            el = time.time() - start
            log.write(f"{step},{step*args.batch*T},{lr:.6g},{running:.4f},{hl:.4f},{acc:.4f},{quick['prefix_only']['middle_loss']:.4f},"
                      f"{quick['fim']['middle_loss']:.4f},{quick['fim_context']['middle_loss']:.4f},{el:.0f}\n")
            log.flush()
            print(f"step {step}/{args.steps} lr {lr:.2e} train {running:.3f} held-out {hl:.3f} top1 {acc:.3f} "
                  f"prefix-only {quick['prefix_only']['middle_loss']:.3f} fim {quick['fim']['middle_loss']:.3f} "
                  f"+context {quick['fim_context']['middle_loss']:.3f} {el:.0f}s {step*args.batch*T/el:.0f} tok/s", flush=True)
            torch.save({"cfg": cfg, "model": cpu_state(model), "step": step, "order": args.order},
                       os.path.join(args.out, "model.pt"))
    model.cpu()
    final_ltr = evaluate(model, windows)
    final_fim = evaluate_fim(model, cases, layout, modes)
    summary = {"init": args.init, "steps": args.steps, "batch": args.batch, "tokens": args.steps * args.batch * T,
               "fim_rate": args.fim_rate, "order": args.order, "context_rate": args.context_rate, "lr": args.lr, "warmup": args.warmup,
               "seed": args.seed, "device": str(device), "seconds": time.time() - start,
               "heldout_before": {"loss": baseline_ltr[0], "top1": baseline_ltr[1]},
               "heldout_after": {"loss": final_ltr[0], "top1": final_ltr[1]},
               "fim_cases_before": baseline_fim, "fim_cases_after": final_fim}
    json.dump(summary, open(os.path.join(args.out, "summary.json"), "w"), indent=1)
    print(json.dumps(summary, indent=1), flush=True)


if __name__ == "__main__":
    main()
