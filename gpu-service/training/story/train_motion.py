"""Trains the motion predictor on the renderer's motion clips, in latent space, with a pixel
loss through the frozen latent decoder as well (the eval measures pixels)."""
import random

import torch
import torch.nn.functional as F

from common import Budget, cosine_lr, log, record, save, setup
from data import sample_clips
from motion_predictor import MotionPredictor


def clip_batch(ae, rng, n, frames):
    """Keyframe latents, an in-between fraction and the true frame (image and latent)."""
    clips = sample_clips(rng, n, frames)
    idx = torch.tensor([rng.randrange(1, frames - 1) for _ in range(n)])
    first, last = clips[:, 0], clips[:, -1]
    mid = clips[torch.arange(n), idx]
    with torch.no_grad():
        z = ae.encode(torch.cat([first, last, mid]))
    return z[:n], z[n:2 * n], idx.float() / (frames - 1), mid, z[2 * n:]


def train_motion(cfg, run_dir, ae, quick=False):
    c = cfg['motion']
    rng = setup(cfg, 4)
    ae.eval().requires_grad_(False)
    model = MotionPredictor(cfg['autoencoder']['latent_channels'])
    opt = torch.optim.AdamW(model.parameters(), lr=c['lr'], weight_decay=0.0)
    budget = Budget(c['core_minutes'], steps=10 if quick else None)
    while budget.running():
        cosine_lr(opt, c['lr'], budget.fraction())
        z0, z1, s, mid, zmid = clip_batch(ae, rng, c['batch'], c['frames'])
        pred = model(z0, z1, s)
        loss = F.mse_loss(pred, zmid) + F.l1_loss(ae.decode(pred), mid) * c['pixel_weight']
        opt.zero_grad()
        loss.backward()
        opt.step()
        budget.tick()
        if budget.step % 50 == 0:
            log(run_dir, 'motion', f'step {budget.step} loss {loss.item():.4f} '
                f'{budget.minutes():.1f} min, {budget.cpu_minutes():.1f} core-min')
    model.eval()
    with torch.no_grad():
        z0, z1, s, mid, _ = clip_batch(ae, random.Random(cfg['seed'] + 98), 64, c['frames'])
        lerp = z0 + (z1 - z0) * s[:, None, None, None]
        err_pred = (ae.decode(model(z0, z1, s)) - mid).abs().mean().item()
        err_lerp = (ae.decode(lerp) - mid).abs().mean().item()
    params = sum(p.numel() for p in model.parameters())
    log(run_dir, 'motion', f'done: {budget.step} steps, {budget.minutes():.1f} min, pixel L1 '
        f'predictor {err_pred:.4f} vs interpolation {err_lerp:.4f}')
    save(run_dir, 'motion_predictor', model.state_dict())
    record(run_dir, 'motion', steps=budget.step, minutes=round(budget.minutes(), 2),
           cpu_minutes=round(budget.cpu_minutes(), 2),
           params=params, pixel_l1_predictor=err_pred, pixel_l1_linear=err_lerp)
    return model
