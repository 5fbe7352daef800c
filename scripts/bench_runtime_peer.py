#!/usr/bin/env python3
"""The peer of `gptls-tools bench`: Hugging Face transformers GPT2LMHeadModel in fp32 on PyTorch, same workloads.

Prefill: one forward pass over a random prompt of N tokens (no cache kept). Decode: each of B rows gets a 64-token
random context, then `--steps` steps of one new token per row with the KV cache (past_key_values); aggregate
tokens/s = B * steps / seconds. Every figure is the median of `--runs` runs. Prints one JSON object.
Benchmark tooling only: never part of the product or CI.
"""
import argparse
import json
import statistics
import time

import torch
from transformers import GPT2LMHeadModel


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True, help="Hugging Face GPT-2 directory")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--prefill", type=int, nargs="*", default=[128, 512])
    ap.add_argument("--batches", type=int, nargs="*", default=[1, 8])
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(1)
    load = time.perf_counter()
    model = GPT2LMHeadModel.from_pretrained(args.model, torch_dtype=torch.float32).eval()
    results = {"load_seconds": time.perf_counter() - load, "torch": torch.__version__, "threads": args.threads}
    vocab = model.config.vocab_size

    def tokens(b, n):
        return torch.randint(0, vocab, (b, n), generator=gen)

    with torch.inference_mode():
        model(tokens(1, 16))  # warm-up
        for n in args.prefill:
            times = []
            for _ in range(args.runs):
                prompt = tokens(1, n)
                times.append(timed(lambda: model(prompt, use_cache=False)))
            results[f"prefill_{n}_tok_s"] = n / statistics.median(times)
        for b in args.batches:
            rates = []
            for _ in range(args.runs):
                out = model(tokens(b, 64), use_cache=True)
                past = out.past_key_values

                def decode():
                    nonlocal past
                    for _ in range(args.steps):
                        step = model(tokens(b, 1), past_key_values=past, use_cache=True)
                        past = step.past_key_values

                rates.append(b * args.steps / timed(decode))
            results[f"decode_batch_{b}_tok_s"] = statistics.median(rates)
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
