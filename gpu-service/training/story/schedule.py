"""Noise schedule (cosine, Nichol & Dhariwal) with v-prediction, and the DDIM step.

Why these: the latents are small (16x16x4) and of unit scale, where the cosine schedule spends
its steps evenly across noise levels; v-prediction stays well-posed at the noisiest step (the
cosine schedule reaches SNR ~ 0 at t = T-1), and min-SNR weighting speeds up training.
"""
import math

import torch


def alphas_cumprod(timesteps=1000, s=0.008):
    """alpha_bar for t = 0..T-1, from betas clipped at 0.999 (as in improved DDPM)."""
    def f(t):
        return math.cos((t / timesteps + s) / (1 + s) * math.pi / 2) ** 2
    betas = [min(1 - f(t + 1) / f(t), 0.999) for t in range(timesteps)]
    out, prod = [], 1.0
    for b in betas:
        prod *= 1 - b
        out.append(prod)
    return torch.tensor(out, dtype=torch.float64)


def ddim_timesteps(steps, timesteps=1000):
    """'Trailing' spacing: starts at T-1, so sampling begins from pure noise."""
    return [int(round(timesteps - i * timesteps / steps)) - 1 for i in range(steps)]


def v_target(x0, noise, a):
    """v = sqrt(a) * eps - sqrt(1 - a) * x0; `a` broadcasts as [B,1,1,1]."""
    return a.sqrt() * noise - (1 - a).sqrt() * x0


def ddim_step(x, v, a_t, a_prev):
    """One deterministic DDIM step (eta = 0) from a v-prediction. Returns (x_prev, x0)."""
    x0 = a_t ** 0.5 * x - (1 - a_t) ** 0.5 * v
    eps = a_t ** 0.5 * v + (1 - a_t) ** 0.5 * x
    return a_prev ** 0.5 * x0 + (1 - a_prev) ** 0.5 * eps, x0
