"""Consistent Self-Attention (StoryDiffusion), training-free, for the UNet's up-block layers.

Each frame's queries are its own tokens. Its keys and values are all of its own tokens plus a
random sample of the tokens of the other frames of the same character: the frames generated in
the same batch (identity phase) and, for later panels, the stored hidden states of the identity
frames (`refs`). The sample is given as a mask from outside, so the caller owns the seed and the
rate; `switch` turns the cross-frame part on or off per layer (the paper's gating).

With the switch off, or an all-zero mask, the layer is exactly plain self-attention: the other
frames' tokens get a bias of -1e4 and vanish in the softmax.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK_SIDE = 16  # the sampling mask is drawn on the 16x16 token grid and subsampled per layer


class SelfAttention(nn.Module):
    """Multi-head self-attention whose keys and values can reach other frames' tokens.

    Queries and keys are L2-normalised with a learned temperature per head (cosine attention,
    as in Swin V2 / QK-norm): a small model trained for minutes otherwise keeps near-uniform
    attention weights, which match tokens by nothing and so could carry no identity across
    frames. With cosine attention, tokens attend to tokens that look alike from the start.
    """

    def __init__(self, dim, heads, qk_norm=True, temperature=10.0):
        super().__init__()
        self.heads = heads
        self.qk_norm = qk_norm
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(dim, dim, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        self.log_scale = nn.Parameter(torch.full((1, heads, 1, 1), math.log(temperature)))

    def _split(self, x):
        b, n, c = x.shape
        return x.reshape(b, n, self.heads, c // self.heads).transpose(1, 2)

    def _logits(self, q, k):
        if not self.qk_norm:
            return q @ k.transpose(-1, -2) * (q.shape[-1] ** -0.5)
        q = q * torch.rsqrt(q.pow(2).sum(-1, keepdim=True) + 1e-6)
        k = k * torch.rsqrt(k.pow(2).sum(-1, keepdim=True) + 1e-6)
        return q @ k.transpose(-1, -2) * self.log_scale.exp()

    def forward(self, h):
        """Plain self-attention over one frame's tokens; h is [B, T, C]."""
        q, k, v = self._split(self.to_q(h)), self._split(self.to_k(h)), self._split(self.to_v(h))
        w = torch.softmax(self._logits(q, k), dim=-1)
        out = (w @ v).transpose(1, 2).reshape(h.shape)
        return self.to_out(out)

    def consistent(self, h, refs, mask, switch):
        """Consistent Self-Attention.

        h: [B, T, C] this batch's hidden states; refs: [R, T, C] stored identity hidden states
        (R may be 0); mask: [B, B + R, T] with 1 where a token of another frame is kept;
        switch: scalar, 1 turns the cross-frame tokens on, 0 gives plain self-attention.
        """
        b, t, c = h.shape
        frames = torch.cat([h, refs], dim=0)                   # [B+R, T, C]
        n = frames.shape[0]
        flat = frames.reshape(1, n * t, c)
        k = self._split(self.to_k(flat))                        # [1, H, N, d]
        v = self._split(self.to_v(flat))
        q = self._split(self.to_q(h))                           # [B, H, T, d]
        logits = self._logits(q, k)                             # [B, H, T, N]

        own = (torch.arange(n).unsqueeze(0) == torch.arange(b).unsqueeze(1)).to(h.dtype)
        own = own.unsqueeze(-1).expand(b, n, t)                 # frame b owns block b
        keep = torch.maximum(own, mask * switch).reshape(b, 1, 1, n * t)
        logits = logits + (keep - 1.0) * 1e4
        w = torch.softmax(logits, dim=-1)
        out = (w @ v).transpose(1, 2).reshape(b, t, c)
        return self.to_out(out)


def mask_for_tokens(mask, side):
    """Subsamples a [B, F, 256] mask on the 16x16 grid to a layer of side x side tokens."""
    stride = MASK_SIDE // side
    b, f, _ = mask.shape
    grid = mask.reshape(b, f, MASK_SIDE, MASK_SIDE)[:, :, ::stride, ::stride]
    return grid.reshape(b, f, side * side)


def sample_mask(batch_groups, refs_groups, rate, generator=None, tokens=MASK_SIDE ** 2):
    """Draws a sampling mask: each frame keeps each token of the other frames of its group
    (same character and same guidance half) with probability `rate`.

    batch_groups: group id per batch frame; refs_groups: group id per stored frame.
    """
    groups = list(batch_groups) + list(refs_groups)
    b, n = len(batch_groups), len(groups)
    same = torch.tensor([[1.0 if groups[j] == batch_groups[i] and j != i else 0.0
                          for j in range(n)] for i in range(b)])
    draw = (torch.rand(b, n, tokens, generator=generator) < rate).float()
    return draw * same.unsqueeze(-1)


def gelu_ff(dim, mult=4):
    """The transformer block's feed-forward part."""
    return nn.Sequential(nn.Linear(dim, dim * mult), nn.GELU(), nn.Linear(dim * mult, dim))


class CrossAttention(nn.Module):
    """Attention from image tokens to the text encoder's states."""

    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, h, context):
        b, t, c = h.shape
        hd = c // self.heads
        q = self.to_q(h).reshape(b, t, self.heads, hd).transpose(1, 2)
        k = self.to_k(context).reshape(b, -1, self.heads, hd).transpose(1, 2)
        v = self.to_v(context).reshape(b, -1, self.heads, hd).transpose(1, 2)
        w = F.softmax(q @ k.transpose(-1, -2) * hd ** -0.5, dim=-1)
        return self.to_out((w @ v).transpose(1, 2).reshape(b, t, c))
