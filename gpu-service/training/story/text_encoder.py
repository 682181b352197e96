"""Text encoder over prompt words: embeddings + positions, a few pre-norm transformer layers.

It plays CLIP's text tower's part for the UNet's cross-attention, trained together with the
UNet. Padding positions are attended like any other token; training always pads to the same
length, so the encoder learns what padding means.
"""
import torch
import torch.nn as nn


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        b, n, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, self.heads, c // self.heads).unbind(2)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        w = torch.softmax(q @ k.transpose(-1, -2) * (c // self.heads) ** -0.5, dim=-1)
        x = x + self.proj((w @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.ff(self.ln2(x))


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, cfg):
        super().__init__()
        dim = cfg['dim']
        self.embed = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(1, cfg['max_tokens'], dim) * 0.02)
        self.layers = nn.ModuleList([EncoderLayer(dim, cfg['heads'])
                                     for _ in range(cfg['layers'])])
        self.ln = nn.LayerNorm(dim)

    def forward(self, ids):
        """ids: [B, L] int64 -> context [B, L, dim]."""
        x = self.embed(ids) + self.pos[:, :ids.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.ln(x)
