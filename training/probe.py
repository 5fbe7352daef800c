"""Measures training throughput (tokens/s) for a few model sizes on this machine."""
import sys
import time

import torch

from training.model import GPTModel, init_weights

torch.set_num_threads(2)
sizes = [tuple(int(x) for x in s.split("x")) for s in sys.argv[1].split(",")]
bf16 = len(sys.argv) > 2 and sys.argv[2] == "bf16"
for layers, width, heads in sizes:
    cfg = dict(vocab_size=8192, context_length=512, emb_dim=width, n_heads=heads, n_layers=layers, drop_rate=0.0, qkv_bias=False)
    torch.manual_seed(0)
    m = GPTModel(cfg)
    init_weights(m, 0)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
    B = 8
    x = torch.randint(0, 8192, (B, 512))
    times = []
    for i in range(4):
        t0 = time.time()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.cross_entropy(m(x).flatten(0, 1).float(), x.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.time() - t0)
    dt = sum(times[1:]) / 3
    n = sum(p.numel() for p in m.parameters())
    print(f"L{layers} C{width} H{heads} params {n/1e6:.2f}M bf16={bf16} {B*512/dt:.0f} tok/s", flush=True)
