"""The book's GPTModel (Raschka, "Build a Large Language Model (From Scratch)", ch. 4) in PyTorch.

State-dict names are the ones the Swift runtime loads: tok_emb, pos_emb, trf_blocks.{i}.att.W_query/W_key/W_value/
out_proj, trf_blocks.{i}.ff.layers.0 / .2, trf_blocks.{i}.norm1/norm2.scale/.shift, final_norm.scale/.shift, out_head.
Attention uses torch's scaled_dot_product_attention with a causal mask, which computes the same function as the book's
explicit masked softmax (no mask buffer is registered, so none is saved).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LayerNorm(nn.Module):
    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        return self.scale * (x - mean) / torch.sqrt(var + self.eps) + self.shift


class GELU(nn.Module):
    """The tanh approximation GPT-2 uses ("gelu_new")."""

    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["emb_dim"]
        self.layers = nn.Sequential(nn.Linear(c, 4 * c), GELU(), nn.Linear(4 * c, c))

    def forward(self, x):
        return self.layers(x)


class MultiHeadAttention(nn.Module):
    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        super().__init__()
        assert d_out % num_heads == 0
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = dropout

    def forward(self, x):
        b, t, _ = x.shape  # x: [B, T, C]
        q = self.W_query(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)  # [B, H, T, D]
        k = self.W_key(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.W_value(x).view(b, t, self.num_heads, self.head_dim).transpose(1, 2)
        ctx = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                             dropout_p=self.dropout if self.training else 0.0)
        ctx = ctx.transpose(1, 2).contiguous().view(b, t, self.d_out)
        return self.out_proj(ctx)


class TransformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.att = MultiHeadAttention(cfg["emb_dim"], cfg["emb_dim"], cfg["context_length"], cfg["drop_rate"],
                                      cfg["n_heads"], cfg["qkv_bias"])
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(cfg["emb_dim"])
        self.norm2 = LayerNorm(cfg["emb_dim"])
        self.drop_shortcut = nn.Dropout(cfg["drop_rate"])

    def forward(self, x):
        x = x + self.drop_shortcut(self.att(self.norm1(x)))
        x = x + self.drop_shortcut(self.ff(self.norm2(x)))
        return x


class GPTModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = dict(cfg)
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["emb_dim"])
        self.pos_emb = nn.Embedding(cfg["context_length"], cfg["emb_dim"])
        self.drop_emb = nn.Dropout(cfg["drop_rate"])
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg["n_layers"])])
        self.final_norm = LayerNorm(cfg["emb_dim"])
        self.out_head = nn.Linear(cfg["emb_dim"], cfg["vocab_size"], bias=False)

    def hidden(self, in_idx):
        _, t = in_idx.shape  # [B, T]
        x = self.tok_emb(in_idx) + self.pos_emb(torch.arange(t, device=in_idx.device))
        x = self.drop_emb(x)
        x = self.trf_blocks(x)
        return self.final_norm(x)  # [B, T, C]

    def forward(self, in_idx):
        return self.out_head(self.hidden(in_idx))  # [B, T, V]


def pick_device(name="auto"):
    """"auto" trains on a CUDA GPU when one is present (much faster, same recipe), else on the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def cpu_state(model):
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def init_weights(model, seed):
    """GPT-2 style init: N(0, 0.02), residual projections scaled by 1/sqrt(2L), zero biases."""
    g = torch.Generator().manual_seed(seed)
    n_layers = model.cfg["n_layers"]
    for name, p in model.named_parameters():
        if name.endswith(".scale"):
            nn.init.ones_(p)
        elif name.endswith(".shift") or name.endswith(".bias"):
            nn.init.zeros_(p)
        else:
            std = 0.02
            if name.endswith("out_proj.weight") or name.endswith("ff.layers.2.weight"):
                std = 0.02 / math.sqrt(2 * n_layers)
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * std)


def hf_config(cfg, eot_id):
    """config.json of the shipped models; <|endoftext|> begins and ends text (the FIM tokens come after it)."""
    return {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
        "n_embd": cfg["emb_dim"], "n_head": cfg["n_heads"], "n_layer": cfg["n_layers"],
        "n_positions": cfg["context_length"], "n_ctx": cfg["context_length"], "vocab_size": cfg["vocab_size"],
        "layer_norm_epsilon": 1e-5, "n_inner": 4 * cfg["emb_dim"], "activation_function": "gelu_new",
        "qkv_bias": cfg["qkv_bias"], "tie_word_embeddings": False, "bos_token_id": eot_id,
        "eos_token_id": eot_id,
    }
