"""The pixel decoder: from each target's codebook hidden states to a mask, level by level.

Per PixelLM: the hidden states of a target's codebook group go through an MLP (d → d → C) and
the tokens of each scale are fused by a learned weighted sum (weights start at 1/N), giving one
prompt per scale. Scale l prompts level l. At each level a small two-way transformer runs over
[score token, mask token, prompt] against the level's features; the mask token, through a
hypernetwork, is dotted with the upscaled features to give that level's mask. The coarse mask
modulates the finer level's features (× (sigmoid(mask) + 1)); the per-level masks are resized to
the model frame and summed with learned weights. All targets of an image run as one batch.
"""
import torch
from torch import nn
from torch.nn import functional as F

from layers import Attention, mlp


def subpixel(x):
    """[T, h, w, 4c] → [T, 2h, 2w, c]: a stride-2 transposed convolution written as a per-pixel
    linear map followed by depth-to-space (cheaper on CPUs, plain MatMul in ONNX)."""
    t, h, w, c4 = x.shape
    x = x.reshape(t, h, w, 2, 2, c4 // 4).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(t, h * 2, w * 2, c4 // 4)


class TwoWayBlock(nn.Module):
    """Tokens attend to themselves, tokens attend to the image, the image attends to tokens."""

    def __init__(self, dim, heads):
        super().__init__()
        self.self_attn = Attention(dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.cross_t2i = Attention(dim, heads, dim // 2)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = mlp(dim, dim * 2, dim)
        self.norm3 = nn.LayerNorm(dim)
        self.cross_i2t = Attention(dim, heads, dim // 2)
        self.norm4 = nn.LayerNorm(dim)

    def forward(self, tokens, image, tokens_pe, image_pe):
        q = tokens + tokens_pe
        tokens = self.norm1(tokens + self.self_attn(q, q, tokens))
        q = tokens + tokens_pe
        tokens = self.norm2(tokens + self.cross_t2i(q, image + image_pe, image))
        tokens = self.norm3(tokens + self.mlp(tokens))
        q = tokens + tokens_pe
        image = self.norm4(image + self.cross_i2t(image + image_pe, q, tokens))
        return tokens, image


class LevelDecoder(nn.Module):
    """One feature level: two-way transformer, then a hypernetwork mask over upscaled features."""

    def __init__(self, dim, heads, depth, grid, upscale):
        super().__init__()
        self.score_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.mask_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.image_pe = nn.Parameter(torch.randn(1, grid * grid, dim) * 0.02)
        self.blocks = nn.ModuleList(TwoWayBlock(dim, heads) for _ in range(depth))
        self.final = Attention(dim, heads, dim // 2)
        self.final_norm = nn.LayerNorm(dim)
        self.upscale, c = nn.ModuleList(), dim
        for _ in range(upscale):
            self.upscale.append(nn.Linear(c, 4 * (c // 2)))
            c //= 2
        self.hyper = mlp(dim, dim, c)
        self.score_head = mlp(dim, dim, 1)

    def forward(self, prompt, features):
        t, c, h, w = features.shape
        image = features.flatten(2).transpose(1, 2)
        # The prompt also seeds the mask token and skips to the hypernetwork, so the mask can
        # follow the prompt from the first step while the attention layers learn to refine it.
        tokens = torch.cat([self.score_token.expand(t, 1, c),
                            self.mask_token.expand(t, 1, c) + prompt[:, None], prompt[:, None]], 1)
        pe = tokens
        pe_img = self.image_pe.expand(t, -1, -1)
        for block in self.blocks:
            tokens, image = block(tokens, image, pe, pe_img)
        q = tokens + pe
        tokens = self.final_norm(tokens + self.final(q, image + pe_img, image))
        up = image.reshape(t, h, w, c)
        for layer in self.upscale:
            up = F.gelu(subpixel(layer(up)))
        weights = self.hyper(tokens[:, 1] + prompt)
        th, tw = up.shape[1], up.shape[2]
        masks = (up.reshape(t, th * tw, -1) @ weights[:, :, None]).reshape(t, th, tw)
        return masks, self.score_head(tokens[:, 0])[:, 0]


class PixelDecoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, c = cfg['hidden'], cfg['decoder_channels']
        self.scales, self.tokens = cfg['scales'], cfg['tokens_per_scale']
        self.size = cfg['image_size']
        self.seg_proj = mlp(d, d, c)
        self.fuse = nn.Parameter(torch.full((self.scales, self.tokens), 1.0 / self.tokens))
        heads, depth = cfg['decoder_heads'], cfg['decoder_depth']
        g = self.size // 8
        self.level0 = LevelDecoder(c, heads, depth, g, 1)        # S/8 → mask at S/4
        self.level1 = LevelDecoder(c, heads, depth, g * 2, 2)    # S/4 → mask at S
        self.level_weights = nn.Parameter(torch.tensor([0.5, 1.0]))

    def prompts(self, seg_hidden):
        """seg_hidden [T, L*N, d] → one fused prompt per scale [T, L, C]."""
        t = seg_hidden.shape[0]
        e = self.seg_proj(seg_hidden).reshape(t, self.scales, self.tokens, -1)
        return (e * self.fuse[None, :, :, None]).sum(2)

    def forward(self, seg_hidden, features_0, features_1):
        """features_* are per target ([T, C, h, w]) or shared ([1, C, h, w])."""
        t = seg_hidden.shape[0]
        p = self.prompts(seg_hidden)
        p1 = p[:, -1]
        p0 = p[:, 0]
        f0 = features_0.expand(t, -1, -1, -1)
        f1 = features_1.expand(t, -1, -1, -1)
        mask0, _ = self.level0(p0, f0)                                    # [T, S/4, S/4]
        gate = torch.sigmoid(mask0)[:, None] + 1
        mask1, score = self.level1(p1, f1 * gate)                        # [T, S, S]
        coarse = F.interpolate(mask0[:, None], size=(self.size, self.size), mode='bilinear',
                               align_corners=False)[:, 0]
        logits = self.level_weights[0] * coarse + self.level_weights[1] * mask1
        return logits, torch.sigmoid(score), mask0
