"""A small causal language model that reads image tokens, then text, with a KV cache.

The same forward serves training (no past) and the exported `lm_step` graph (prefill with image
tokens and zero-length past; decode steps with no image tokens). Positions continue from the
length of the past, so prefill and decode see the same position embeddings.
"""
import math

import torch
from torch import nn


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, past_k, past_v, bias):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        k = torch.cat([past_k, k], 2)
        v = torch.cat([past_v, v], 2)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim) + bias
        out = att.softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(b, n, d)), k, v


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim))

    def forward(self, x, past_k, past_v, bias):
        a, k, v = self.attn(self.norm1(x), past_k, past_v, bias)
        x = x + a
        return x + self.mlp(self.norm2(x)), k, v


class PixelLanguageModel(nn.Module):
    def __init__(self, cfg, vocab_size):
        super().__init__()
        d = cfg['hidden']
        self.layers, self.heads = cfg['lm_layers'], cfg['lm_heads']
        self.head_dim = d // self.heads
        self.embed = nn.Embedding(vocab_size, d)
        self.pos = nn.Embedding(cfg['max_positions'], d)
        self.image_type = nn.Parameter(torch.zeros(d))
        # Recency bias (ALiBi) on some heads: they start out reading the last few words, which
        # is what a codebook token needs (its target's name); heads with slope 0 read anything.
        slopes = list(cfg.get('lm_recency_slopes', [])) + [0.0] * self.heads
        self.register_buffer('slopes', torch.tensor(slopes[:self.heads])[:, None, None],
                             persistent=False)
        self.blocks = nn.ModuleList(Block(d, self.heads) for _ in range(self.layers))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab_size, bias=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def empty_past(self, batch, like):
        z = like.new_zeros(batch, self.heads, 0, self.head_dim)
        return [z] * self.layers, [z] * self.layers

    def forward(self, image_tokens, input_ids, past_keys, past_values, pad_mask=None):
        """image_tokens [B, Ti, d] (Ti may be 0), input_ids [B, n]; pad_mask [B, Ti+n] marks
        positions that must not be attended (training only). Returns logits, hidden states and
        the present keys and values (past + new)."""
        x = torch.cat([image_tokens + self.image_type, self.embed(input_ids)], 1)
        n = x.shape[1]
        past = past_keys[0].shape[2]
        q_pos = torch.arange(n, device=x.device) + past
        x = x + self.pos(q_pos)
        k_pos = torch.arange(past + n, device=x.device)
        distance = (q_pos[:, None] - k_pos[None, :]).float()
        bias = (distance < 0).float() * -1e4 - self.slopes * distance.clamp(min=0)
        bias = bias[None]
        if pad_mask is not None:
            bias = bias + pad_mask[:, None, None, :].float() * -1e4
        keys, values = [], []
        for block, pk, pv in zip(self.blocks, past_keys, past_values):
            x, k, v = block(x, pk, pv, bias)
            keys.append(k)
            values.append(v)
        hidden = self.norm(x)
        return self.head(hidden), hidden, keys, values
