"""Motion predictor: from two keyframes' latents and a fraction s in (0, 1), the latent of the
frame a fraction s of the way from the first to the second.

StoryDiffusion's Semantic Motion Predictor encodes keyframes into CLIP's image space, predicts
the in-between embeddings with a transformer and conditions a video diffusion model on them.
Ours works directly in the autoencoder's latent space and regresses the in-between latents with
a small convolutional network (with attention at 8x8, so limbs can move further than a
convolution reaches); it predicts a correction to plain latent interpolation.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from consistent_attention import SelfAttention, gelu_ff


class FiLMRes(nn.Module):
    def __init__(self, ch, cond):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(8, ch), nn.Conv2d(ch, ch, 3, padding=1)
        self.n2, self.c2 = nn.GroupNorm(8, ch), nn.Conv2d(ch, ch, 3, padding=1)
        self.film = nn.Linear(cond, 2 * ch)

    def forward(self, x, c):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.film(c)[:, :, None, None].chunk(2, dim=1)
        h = self.c2(F.silu(self.n2(h) * (1 + scale) + shift))
        return x + h


class Attention8(nn.Module):
    def __init__(self, ch, heads=4):
        super().__init__()
        self.ln = nn.LayerNorm(ch)
        self.attn = SelfAttention(ch, heads)
        self.ln2, self.ff = nn.LayerNorm(ch), gelu_ff(ch, 2)

    def forward(self, x):
        b, c, h, w = x.shape
        t = x.reshape(b, c, h * w).transpose(1, 2)
        q = self.ln(t)
        t = t + self.attn(q)
        t = t + self.ff(self.ln2(t))
        return t.transpose(1, 2).reshape(b, c, h, w)


class MotionPredictor(nn.Module):
    def __init__(self, zc=4, c1=48, c2=96):
        super().__init__()
        self.cond = nn.Sequential(nn.Linear(16, 64), nn.SiLU(), nn.Linear(64, 64))
        self.inp = nn.Conv2d(3 * zc, c1, 3, padding=1)
        self.r1 = FiLMRes(c1, 64)
        self.down = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.r2 = FiLMRes(c2, 64)
        self.attn = Attention8(c2)
        self.r3 = FiLMRes(c2, 64)
        self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'),
                                nn.Conv2d(c2, c1, 3, padding=1))
        self.r4 = FiLMRes(c1, 64)
        self.out = nn.Conv2d(c1, zc, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, z0, z1, s):
        """z0, z1: [B, 4, 16, 16] keyframe latents; s: [B] fractions -> [B, 4, 16, 16]."""
        freqs = torch.arange(1, 9, dtype=torch.float32) * math.pi
        c = self.cond(torch.cat([torch.sin(s[:, None] * freqs), torch.cos(s[:, None] * freqs)], 1))
        lerp = z0 + (z1 - z0) * s[:, None, None, None]
        h = self.r1(self.inp(torch.cat([z0, z1, lerp], 1)), c)
        skip = h
        h = self.r2(self.down(h), c)
        h = self.r3(self.attn(h), c)
        h = self.r4(self.up(h) + skip, c)
        return lerp + self.out(h)
