"""Image encoder with two feature levels, and the projector that feeds the LM.

A small conv stem goes down to S/4 (the middle level, `features_1` after its neck) and S/8,
where transformer blocks with full attention build the deep level: it feeds the coarse decoder
level (`features_0`) and, projected by Linear-GELU-Linear, becomes the LM's image tokens.
"""
import torch
from torch import nn

from layers import Attention


def conv_block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.GroupNorm(8, cout), nn.GELU(),
                         nn.Conv2d(cout, cout, 3, 1, 1), nn.GroupNorm(8, cout), nn.GELU())


def neck(cin, c):
    return nn.Sequential(nn.Conv2d(cin, c, 1), nn.GroupNorm(8, c), nn.Conv2d(c, c, 3, 1, 1))


class EncoderBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 4), nn.GELU(), nn.Linear(dim * 4, dim))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h)
        return x + self.mlp(self.norm2(x))


class ImageEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        s, w, c = cfg['image_size'], cfg['encoder_width'], cfg['decoder_channels']
        self.grid = s // 8
        self.stem = nn.Sequential(                   # S/2
            nn.Conv2d(3, 32, 4, 2, 1), nn.GroupNorm(8, 32), nn.GELU(),
            nn.Conv2d(32, 48, 3, 1, 1), nn.GroupNorm(8, 48), nn.GELU())
        self.middle = conv_block(48, 64, 2)          # S/4: middle level
        self.deep = nn.Sequential(nn.Conv2d(64, w, 3, 2, 1), nn.GroupNorm(8, w), nn.GELU())
        self.pos = nn.Parameter(torch.randn(1, self.grid * self.grid, w) * 0.02)
        self.blocks = nn.ModuleList(EncoderBlock(w, cfg['encoder_heads'])
                                    for _ in range(cfg['encoder_layers']))
        self.norm = nn.LayerNorm(w)
        self.neck1 = neck(64, c)
        self.neck0 = neck(w, c)
        # Pooling k×k cells keeps each cell's features (a patch merge), then Linear-GELU-Linear.
        self.pool = cfg['image_token_pool']
        d = cfg['hidden']
        self.projector = nn.Sequential(nn.Linear(w * self.pool ** 2, d), nn.GELU(), nn.Linear(d, d))

    def forward(self, pixel_values):
        mid = self.middle(self.stem(pixel_values))
        deep = self.deep(mid)
        b, w, g, _ = deep.shape
        x = deep.flatten(2).transpose(1, 2) + self.pos
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        features_0 = self.neck0(x.transpose(1, 2).reshape(b, w, g, g))
        features_1 = self.neck1(mid)
        k = self.pool
        x = x.reshape(b, g // k, k, g // k, k, w).permute(0, 1, 3, 2, 4, 5)
        image_tokens = self.projector(x.reshape(b, (g // k) ** 2, k * k * w))
        return image_tokens, features_0, features_1
