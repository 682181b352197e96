"""The denoising UNet on 16x16x4 latents: ResBlocks with timestep scale-shift, transformer blocks
with self-attention and cross-attention to the prompt, Consistent Self-Attention in the up-blocks.

The layout follows Stable Diffusion's at a small width and depth: one block per level and way,
three levels (16x16, 8x8, 4x4), self- and cross-attention at 8x8 and 4x4 on the way down and at
every level on the way up, where Consistent Self-Attention can act on appearance.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from consistent_attention import CrossAttention, SelfAttention, gelu_ff, mask_for_tokens


def timestep_embedding(t, dim):
    """Sinusoidal embedding of (continuous) timesteps t: [B] -> [B, dim]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float().unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def norm(ch):
    return nn.GroupNorm(min(16, ch // 4), ch)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.n1, self.c1 = norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, 2 * cout)
        self.n2, self.c2 = norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.t(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        h = self.c2(F.silu(h))
        return self.skip(x) + h


class TransformerBlock(nn.Module):
    """Self-attention (consistent in up-blocks), cross-attention to text, feed-forward."""

    def __init__(self, ch, context_dim, heads):
        super().__init__()
        self.norm_in = norm(ch)
        self.ln1, self.attn1 = nn.LayerNorm(ch), SelfAttention(ch, heads)
        self.ln2, self.attn2 = nn.LayerNorm(ch), CrossAttention(ch, context_dim, heads)
        self.ln3, self.ff = nn.LayerNorm(ch), gelu_ff(ch)

    def forward(self, x, context, csa=None):
        """Returns the new feature map and the hidden states that entered self-attention."""
        b, c, hh, ww = x.shape
        tok = self.norm_in(x).reshape(b, c, hh * ww).transpose(1, 2)
        hidden = self.ln1(tok)
        if csa is None:
            tok = tok + self.attn1(hidden)
        else:
            refs, mask, switch = csa
            mask = mask_for_tokens(mask, int(hh))
            tok = tok + self.attn1.consistent(hidden, refs, mask, switch)
        tok = tok + self.attn2(self.ln2(tok), context)
        tok = tok + self.ff(self.ln3(tok))
        delta = tok - self.norm_in(x).reshape(b, c, hh * ww).transpose(1, 2)
        return x + delta.transpose(1, 2).reshape(b, c, hh, ww), hidden


class UNet(nn.Module):
    """Down path (ResBlock [+ transformer] per level, a skip after each), middle block, up path
    (ResBlock on the skip + `up_attention_blocks` transformers with Consistent Self-Attention
    per level)."""

    def __init__(self, cfg):
        super().__init__()
        chs, attn, n_res = cfg['channels'], cfg['attention'], cfg['layers']
        heads, cdim, zc = cfg['heads'], cfg['context_dim'], cfg['latent_channels']
        up_attn = cfg.get('up_attention_blocks', 1)
        temb = chs[0] * 4
        self.base = chs[0]
        self.time = nn.Sequential(nn.Linear(chs[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(zc, chs[0], 3, padding=1)

        self.down = nn.ModuleList()
        skip_ch, ch = [], chs[0]
        for lvl, cout in enumerate(chs):
            for _ in range(n_res):
                self.down.append(nn.ModuleList([
                    ResBlock(ch, cout, temb),
                    TransformerBlock(cout, cdim, heads) if attn[lvl] else nn.Identity()]))
                ch = cout
                skip_ch.append(ch)
            if lvl < len(chs) - 1:
                self.down.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))

        self.mid1 = ResBlock(ch, ch, temb)
        self.mid_attn = TransformerBlock(ch, cdim, heads)
        self.mid2 = ResBlock(ch, ch, temb)

        self.up = nn.ModuleList()
        self.csa_layers = []  # (tokens, channels) of each up-block self-attention, in order
        side = cfg['latent_size'] // (2 ** (len(chs) - 1))
        for lvl in reversed(range(len(chs))):
            cout = chs[lvl]
            for _ in range(n_res):
                self.up.append(nn.ModuleList(
                    [ResBlock(ch + skip_ch.pop(), cout, temb)]
                    + [TransformerBlock(cout, cdim, heads) for _ in range(up_attn)]))
                self.csa_layers += [(side * side, cout)] * up_attn
                ch = cout
            if lvl > 0:
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'),
                                             nn.Conv2d(ch, chs[lvl - 1], 3, padding=1)))
                ch = chs[lvl - 1]
                side *= 2
        self.out = nn.Sequential(norm(ch), nn.SiLU(), nn.Conv2d(ch, zc, 3, padding=1))

    def forward(self, x, t, context, csa=None):
        """x: [B, 4, 16, 16] latents, t: [B] timesteps, context: [B, L, D] text states.

        csa: None for plain attention, else (refs list, mask [B, B+R, 256], switches [layers]).
        Returns the prediction, and with csa also the up-block self-attention hidden states.
        """
        emb = self.time(timestep_embedding(t, self.base))
        h = self.conv_in(x)
        skips = []
        for block in self.down:
            if isinstance(block, nn.ModuleList):
                h = block[0](h, emb)
                if not isinstance(block[1], nn.Identity):
                    h, _ = block[1](h, context)
                skips.append(h)
            else:
                h = block(h)

        h = self.mid1(h, emb)
        h, _ = self.mid_attn(h, context)
        h = self.mid2(h, emb)

        hiddens, layer = [], 0
        for block in self.up:
            if isinstance(block, nn.ModuleList):
                h = block[0](torch.cat([h, skips.pop()], dim=1), emb)
                for attn in block[1:]:
                    layer_csa = None
                    if csa is not None:
                        refs, mask, switches = csa
                        layer_csa = (refs[layer], mask, switches[layer])
                    h, hidden = attn(h, context, layer_csa)
                    hiddens.append(hidden)
                    layer += 1
            else:
                h = block(h)
        out = self.out(h)
        return out if csa is None else (out, hiddens)
