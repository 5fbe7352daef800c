"""Evaluates the shipped model (models/default) and writes eval.json (metrics) and expected.json (runtime fixtures).

Everything is computed in fp32 from the shipped F16 weights (upcast), except the rounding comparison, which also
loads the fp32 training checkpoint of the completion model (--checkpoint: the FIM step's where the tokenizer has the
FIM tokens, else pretraining's). The FIM measurements and fixtures are made only for a tokenizer with FIM tokens. Greedy decoding recomputes the full prefix every step (no cache), the reference
algorithm the Swift runtime must reproduce.
"""
import argparse
import json
import os
import random
import re
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file

from training.data import read_docs, token_stream
from training.fim import REPLY, Layout, budgets, evaluate_fim, heldout_cases
from training.model import GPTModel
from training.pairs import pairs_of, prompt_of
from training.pretrain import evaluate, make_windows
from training.snippets import LABELS, build
from training.tokenizer import EOT, FILE_SEP, FIM_PAD, FIM_PREFIX, load_hf, load_tiktoken


def cfg_of(model_dir):
    c = json.load(open(os.path.join(model_dir, "config.json")))
    return dict(vocab_size=c["vocab_size"], context_length=c["n_positions"], emb_dim=c["n_embd"], n_heads=c["n_head"],
                n_layers=c["n_layer"], drop_rate=0.0, qkv_bias=c["qkv_bias"])


def load_shipped(model_dir, name, dtype=None):
    cfg = cfg_of(model_dir)
    state = load_file(os.path.join(model_dir, name))
    model = GPTModel(cfg)
    if "out_head.bias" in state:
        model.out_head = nn.Linear(cfg["emb_dim"], state["out_head.weight"].shape[0], bias=True)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    model.eval()
    return model


@torch.no_grad()
def greedy(model, ids, n, stop=None, stops=()):
    ids = list(ids)
    out = []
    margins = []
    ctx = model.cfg["context_length"]
    for _ in range(n):
        logits = model(torch.tensor([ids[-ctx:]]))[0, -1]
        top = torch.topk(logits, 2)
        nxt = int(top.indices[0])
        margins.append(float(top.values[0] - top.values[1]))
        if (stop is not None and nxt == stop) or nxt in stops:
            break
        ids.append(nxt)
        out.append(nxt)
    return out, margins


def lcs(a, b):
    dp = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b):
            cur = dp[j + 1]
            dp[j + 1] = prev + 1 if x == y else max(dp[j + 1], dp[j])
            prev = cur
    return dp[-1]


def rouge_l(hyp, ref):
    h = re.findall(r"\w+", hyp.lower())
    r = re.findall(r"\w+", ref.lower())
    if not h or not r:
        return 0.0
    l = lcs(h, r)
    if l == 0:
        return 0.0
    p, rc = l / len(h), l / len(r)
    return 2 * p * rc / (p + rc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="training/out/corpus")
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--work", default="training/out")
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--summaries", type=int, default=30)
    ap.add_argument("--fim-cases", type=int, default=120)
    ap.add_argument("--checkpoint", help="the completion model's fp32 checkpoint; default WORK/fim/model.pt with FIM "
                                         "tokens, else WORK/pretrain/model.pt")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    tok = load_hf(args.model)
    tk = load_tiktoken(args.model)
    eot = tok.token_to_id("<|endoftext|>")
    held_docs = read_docs(os.path.join(args.corpus, "heldout.jsonl"))
    metrics = {}
    T = cfg_of(args.model)["context_length"]

    # 1. Held-out loss: shipped F16 vs fp32 checkpoint vs BF16 rounding; top-1 on code only.
    base = load_shipped(args.model, "completion.safetensors")
    mixed = make_windows(token_stream(tok, held_docs, 300_000, args.seed), 32, T, args.seed)
    code_docs = [d for d in held_docs if d["lang"] in ("python", "swift", "c")]
    code = make_windows(token_stream(tok, code_docs, 300_000, args.seed + 1), 32, T, args.seed + 1)
    loss16, acc16 = evaluate(base, mixed)
    has_fim = tok.token_to_id(FIM_PREFIX) is not None
    default = os.path.join(args.work, "fim/model.pt" if has_fim else "pretrain/model.pt")
    ck = torch.load(args.checkpoint or default, map_location="cpu")
    m32 = GPTModel(ck["cfg"])
    m32.load_state_dict(ck["model"])
    loss32, acc32 = evaluate(m32, mixed)
    mbf = GPTModel(ck["cfg"])
    mbf.load_state_dict({k: v.to(torch.bfloat16).float() for k, v in ck["model"].items()})
    lossbf, _ = evaluate(mbf, mixed)
    closs, cacc = evaluate(base, code)
    metrics["heldout"] = {"windows": len(mixed), "tokens_per_window": T, "loss_f16": loss16, "ppl_f16": float(torch.exp(torch.tensor(loss16))),
                          "loss_fp32": loss32, "loss_bf16": lossbf, "top1_f16": acc16, "top1_fp32": acc32,
                          "code_loss": closs, "code_ppl": float(torch.exp(torch.tensor(closs))), "code_top1": cacc}
    print(json.dumps(metrics["heldout"]), f"{time.time()-t0:.0f}s", flush=True)

    # 1b. Fill-in-the-middle: the rest of a line hidden at held-out cursor positions, prompted as gptls does.
    if has_fim:
        # The order the manifest tells gptls to use (export writes the FIM step's).
        manifest = json.load(open(os.path.join(args.model, "manifest.json")))
        layout = Layout(tk, manifest["tasks"]["completion"].get("fim_order", "psm"))
        cases = heldout_cases(held_docs, layout, args.fim_cases, args.seed, T)
        metrics["fim"] = evaluate_fim(base, cases, layout, ["prefix_only", "fim", "fim_context"])
        print("fim", json.dumps(metrics["fim"]), f"{time.time()-t0:.0f}s", flush=True)

    # 2. Classifier accuracy on held-out files, unpadded, last token, truncated to max_tokens.
    manifest = json.load(open(os.path.join(args.model, "manifest.json")))
    max_tokens = manifest["tasks"]["classify"]["max_tokens"]
    labels = manifest["tasks"]["classify"]["labels"]
    clf = load_shipped(args.model, "classify.safetensors")
    snippets = build(held_docs, 100, args.seed)
    confusion = {a: {b: 0 for b in labels} for a in labels}
    cls_records = []
    # Batched for speed: right padding never changes a real position under causal attention, and the logits are read
    # at each snippet's own last token. The fixture cases below are recomputed unpadded.
    encoded = [tok.encode(s["text"]).ids[:max_tokens] for s in snippets]
    order = sorted(range(len(snippets)), key=lambda j: len(encoded[j]))
    results = {}
    with torch.no_grad():
        for i in range(0, len(order), 32):
            idx = order[i:i + 32]
            L = max(len(encoded[j]) for j in idx)
            x = torch.zeros((len(idx), L), dtype=torch.long)
            for r, j in enumerate(idx):
                x[r, :len(encoded[j])] = torch.tensor(encoded[j])
            out = clf(x)
            for r, j in enumerate(idx):
                results[j] = out[r, len(encoded[j]) - 1]
    for j, s in enumerate(snippets):
        logits = results[j]
        probs = torch.softmax(logits, -1)
        pred = labels[int(probs.argmax())]
        confusion[s["label"]][pred] += 1
        cls_records.append({"text": s["text"], "ids": encoded[j], "label": s["label"], "predicted": pred})
    correct = sum(r["label"] == r["predicted"] for r in cls_records)
    metrics["classify"] = {"snippets": len(cls_records), "accuracy": correct / len(cls_records),
                           "per_label": {l: confusion[l][l] / max(1, sum(confusion[l].values())) for l in labels},
                           "confusion": confusion}
    print("classify", metrics["classify"]["accuracy"], f"{time.time()-t0:.0f}s", flush=True)

    # 3. Summaries on held-out functions: ROUGE-L F1 against the real first sentence.
    summ = load_shipped(args.model, "summarize.safetensors")
    pairs = [p for d in held_docs for p in pairs_of(d)]
    rng = random.Random(args.seed)
    rng.shuffle(pairs)
    samples = []
    for p in pairs[:args.summaries]:
        ids = tok.encode(prompt_of(p)).ids
        out, _ = greedy(summ, ids, 32, stop=eot)
        hyp = tok.decode(out).strip()
        samples.append({"lang": p["lang"], "code": p["input"], "reference": p["output"], "generated": hyp,
                        "rouge_l": rouge_l(hyp, p["output"])})
    metrics["summarize"] = {"samples": len(samples), "rouge_l_f1": sum(s["rouge_l"] for s in samples) / len(samples)}
    print("summarize", metrics["summarize"], f"{time.time()-t0:.0f}s", flush=True)

    # 4. Example completions and the greedy-completion fixtures (held-out code prompts).
    candidates = []
    crng = random.Random(args.seed + 5)
    for lang in ("python", "swift"):
        docs = [d for d in held_docs if d["lang"] == lang]
        while sum(c["lang"] == lang for c in candidates) < 5:
            d = crng.choice(docs)
            lines = d["text"].splitlines()
            starts = [i for i, l in enumerate(lines) if re.match(r"\s*(def |class |func |public func |struct |init\()", l)]
            if not starts:
                continue
            i = crng.choice(starts)
            # End the prompt after the first word of the body's first line: a prompt ending in a bare newline (or in
            # trailing spaces) splits a whitespace run at a place byte-level BPE never saw in training.
            body = next((l for l in lines[i + 1:i + 4] if l.strip()), None)
            m = re.match(r"(\s*[^\s(.:\[]+)", body or "")
            if not m:
                continue
            text = "\n".join(lines[max(0, i - 6):i + 1]) + "\n" + m.group(1)
            if len(text) < 40:
                continue
            candidates.append({"lang": lang, "source": d["repo"] + "/" + d["path"], "prompt": text})
    fixtures = []
    for c in candidates:
        ids = tok.encode(c["prompt"]).ids
        assert ids == tk.encode_ordinary(c["prompt"])
        out, margins = greedy(base, ids, 24)
        fixtures.append(dict(c, prompt_ids=ids, continuation_ids=out, continuation=tok.decode(out),
                             min_top2_logit_margin=round(min(margins), 5)))
    fixtures.sort(key=lambda f: -f["min_top2_logit_margin"])
    chosen = [f for f in fixtures if f["lang"] == "python"][:4] + [f for f in fixtures if f["lang"] == "swift"][:4]
    examples = []
    for prompt in ["def fibonacci(n):\n    if", "import Foundation\n\npublic struct Point {\n    public var",
                   "func greet(name: String) -> String {\n    return", "## Installation\n\nTo install",
                   "#include <stdio.h>\n\nint main(int argc", "    def __init__(self, name):\n        self"]:
        out, _ = greedy(base, tok.encode(prompt).ids, 32, stop=eot)
        examples.append({"prompt": prompt, "completion": tok.decode(out)})
    # FIM fixtures: short held-out prefixes (no window cut), with and without a context block; greedy until an end
    # token of the layout or 24 tokens.
    fim_fixtures = []
    if has_fim:
        stops = {layout.id[t] for t in (EOT, FILE_SEP, FIM_PREFIX, FIM_PAD)}
        for c in heldout_cases(held_docs, layout, 200, args.seed + 7, T):
            mode = "fim_context" if c["fim_context"] is not None and len(fim_fixtures) % 2 else "fim"
            prefix_room = budgets(T, mode == "fim_context")[1]
            if len(c["prefix"].encode()) > 2000 or len(layout.enc(c["prefix"])) > prefix_room:
                continue
            out, margins = greedy(base, c[mode], 24, stops=stops)
            if min(margins) < 0.05:
                continue
            fim_fixtures.append({"source": c["source"], "name": c["name"], "prefix": c["prefix"], "suffix": c["suffix"],
                                 "chunks": [{"name": n, "text": t} for n, t in c["chunks"]] if mode == "fim_context" else [],
                                 "context_tokens": 1024 if mode == "fim_context" else 0, "max_tokens": REPLY,
                                 "prompt_ids": c[mode], "continuation_ids": out, "continuation": tok.decode(out),
                                 "hidden": c["middle"], "min_top2_logit_margin": round(min(margins), 5)})
            if len(fim_fixtures) == 6:
                break
    print("completions done", f"{time.time()-t0:.0f}s", flush=True)

    # 5. Write results.
    per = {l: [r for r in cls_records if r["label"] == l] for l in labels}
    cls_fix = []
    for i in range(3):
        for l in labels:
            if i < len(per[l]) and len(cls_fix) < 20:
                cls_fix.append(dict(per[l][i]))
    with torch.no_grad():
        for r in cls_fix:
            logits = clf(torch.tensor([r["ids"]]))[0, -1]
            probs = torch.softmax(logits, -1)
            r["predicted"] = labels[int(probs.argmax())]
            r["probabilities"] = [round(float(p), 6) for p in probs]
            r["logits"] = [round(float(x), 5) for x in logits]
    expected = {
        "about": "Fixtures for the Swift runtime, computed by training/eval.py in PyTorch fp32 from the shipped F16 weights. "
                 "completion: greedy argmax, full prefix recomputed each step, no stop token; "
                 "classify: token ids truncated to max_tokens, logits at the last token, softmax over labels; "
                 "fim: the prompt gptls builds from prefix, suffix and chunks (document file:///w/NAME), greedy "
                 "until an end token of the layout (not included) or 24 tokens.",
        "completion": {"weights": "completion.safetensors", "steps": 24, "cases": chosen},
        "classify": {"weights": "classify.safetensors", "labels": labels, "max_tokens": max_tokens, "cases": cls_fix},
    }
    if has_fim:
        expected["fim"] = {"weights": "completion.safetensors", "steps": 24, "context_length": T, "cases": fim_fixtures}
    with open(os.path.join(args.model, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
    metrics["summarize_samples"] = samples
    metrics["example_completions"] = examples
    metrics["eval_seconds"] = time.time() - t0
    with open(os.path.join(args.model, "eval.json"), "w") as f:
        json.dump(metrics, f, indent=1, ensure_ascii=False)
    print("done", f"{time.time()-t0:.0f}s")


if __name__ == "__main__":
    main()
