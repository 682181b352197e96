"""Attention and MLP building blocks shared by the image encoder and the pixel decoder."""
import math

from torch import nn


class Attention(nn.Module):
    """Multi-head attention with separate query, key and value inputs (internal width `inner`)."""

    def __init__(self, dim, heads, inner=None):
        super().__init__()
        inner = inner or dim
        self.heads, self.head_dim = heads, inner // heads
        self.q, self.k, self.v = nn.Linear(dim, inner), nn.Linear(dim, inner), nn.Linear(dim, inner)
        self.out = nn.Linear(inner, dim)

    def _split(self, x):
        b, n, _ = x.shape
        return x.reshape(b, n, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, q, k, v):
        b, n, _ = q.shape
        q, k, v = self._split(self.q(q)), self._split(self.k(k)), self._split(self.v(v))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        out = att.softmax(-1) @ v
        return self.out(out.transpose(1, 2).reshape(b, n, -1))


def mlp(dim_in, dim_hidden, dim_out, layers=2):
    mods, d = [], dim_in
    for i in range(layers - 1):
        mods += [nn.Linear(d, dim_hidden), nn.GELU()]
        d = dim_hidden
    mods.append(nn.Linear(d, dim_out))
    return nn.Sequential(*mods)
