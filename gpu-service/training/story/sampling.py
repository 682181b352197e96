"""DDIM sampling with classifier-free guidance and Consistent Self-Attention, in PyTorch.

This mirrors the TypeScript pipeline (gpu-service/src/story/) so that training runs can be
checked before export: identity frames are generated together with cross-frame attention, later
frames read the stored identity hidden states; the sampling mask is redrawn each step.
"""
import torch

from consistent_attention import sample_mask
from schedule import alphas_cumprod, ddim_step, ddim_timesteps


def encode_prompts(model, tok, prompts):
    return model.text(tok.batch(prompts))


@torch.no_grad()
def sample(model, tok, prompts, noise, steps=25, guidance=4.0, csa_rate=0.0, refs=None,
           generator=None, keep_hidden=False):
    """Samples one batch of frames of one character.

    prompts: n prompts; noise: [n, 4, 16, 16]; csa_rate > 0 turns Consistent Self-Attention
    on (from step 1 on) among the n frames and towards `refs` (stored identity hidden states,
    a list over steps of lists over layers of [2 * n_id, T, C], cond first).
    Returns the latents and, with keep_hidden, this batch's hidden states per step.
    """
    n = len(prompts)
    abar = alphas_cumprod().float()
    ctx = torch.cat([encode_prompts(model, tok, prompts), encode_prompts(model, tok, [''] * n)])
    layers = model.unet.csa_layers
    n_ref = 0 if refs is None else refs[0][0].shape[0]
    groups = [0] * n + [1] * n
    ref_groups = [0] * (n_ref // 2) + [1] * (n_ref // 2)
    x = noise.clone()
    kept = []
    ts = ddim_timesteps(steps)
    for i, t in enumerate(ts):
        step_refs = refs[i] if refs is not None else [torch.zeros(0, tk, ch) for tk, ch in layers]
        on = 1.0 if (csa_rate > 0 and i > 0) else 0.0
        mask = sample_mask(groups, ref_groups, csa_rate, generator)
        switches = torch.full((len(layers),), on)
        xin = torch.cat([x, x])
        tt = torch.full((2 * n,), float(t))
        out, hidden = model.unet(xin, tt, ctx, (step_refs, mask, switches))
        v_c, v_u = out[:n], out[n:]
        v = v_u + guidance * (v_c - v_u)
        a_t = abar[t]
        a_prev = abar[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x, _ = ddim_step(x, v, a_t, a_prev)
        if keep_hidden:
            kept.append(hidden)
    return (x, kept) if keep_hidden else x


@torch.no_grad()
def story(model, tok, prompts, noise, identity=2, steps=25, guidance=4.0, csa_rate=0.5,
          generator=None):
    """A story: the first `identity` frames together, the rest one by one reading their
    stored hidden states. noise: [n, 4, 16, 16]."""
    first, kept = sample(model, tok, prompts[:identity], noise[:identity], steps, guidance,
                         csa_rate, generator=generator, keep_hidden=True)
    outs = [first]
    for j in range(identity, len(prompts)):
        outs.append(sample(model, tok, prompts[j:j + 1], noise[j:j + 1], steps, guidance,
                           csa_rate, refs=kept, generator=generator))
    return torch.cat(outs)
