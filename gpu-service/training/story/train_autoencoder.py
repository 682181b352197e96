"""Trains the latent autoencoder on rendered sprites (L1 + MSE, noise on the latents)."""
import torch
import torch.nn.functional as F

from autoencoder import Autoencoder
from common import Budget, cosine_lr, log, record, save, setup
from data import sample_frames


def random_crops(x, crop, rng, per_image=4):
    """Crops aligned to the 4-pixel latent grid: the networks are convolutional, so training
    on 32x32 crops costs a quarter of full frames and serves the full 64x64 frames the same."""
    out = []
    for img in x:
        for _ in range(per_image):
            i, j = (rng.randrange(0, (x.shape[-1] - crop) // 4 + 1) * 4 for _ in range(2))
            out.append(img[:, i:i + crop, j:j + crop])
    return torch.stack(out)


def train_autoencoder(cfg, run_dir, quick=False):
    c = cfg['autoencoder']
    rng = setup(cfg, 1)
    ae = Autoencoder(c['latent_channels'])
    opt = torch.optim.AdamW(ae.parameters(), lr=c['lr'], weight_decay=0.0)
    budget = Budget(c['core_minutes'], steps=20 if quick else None)
    while budget.running():
        cosine_lr(opt, c['lr'], budget.fraction())
        x = random_crops(sample_frames(rng, c['batch'] // 4)[0], c['crop'], rng)
        z = ae.encoder(x)
        noisy = z + c['latent_noise'] * z.detach().std() * torch.randn_like(z)
        y = ae.decoder(noisy)
        rec = F.l1_loss(y, x) + F.mse_loss(y, x)
        loss = rec + c['latent_l2'] * z.pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        budget.tick()
        if budget.step % 50 == 0:
            log(run_dir, 'autoencoder', f'step {budget.step} rec {rec.item():.4f} '
                f'z std {z.std().item():.2f} {budget.minutes():.1f} min, '
                f'{budget.cpu_minutes():.1f} core-min')

    with torch.no_grad():
        x, _ = sample_frames(rng, 256)
        z = ae.encoder(x)
        ae.mean.copy_(z.mean(dim=(0, 2, 3), keepdim=True))
        ae.std.copy_(z.std(dim=(0, 2, 3), keepdim=True))
        err = (ae.decode(ae.encode(x)) - x).abs().mean().item()
    params = sum(p.numel() for p in ae.parameters())
    log(run_dir, 'autoencoder', f'done: {budget.step} steps, {budget.minutes():.1f} min, '
        f'recon L1 {err:.4f}, {params} params')
    save(run_dir, 'autoencoder', ae.state_dict())
    record(run_dir, 'autoencoder', steps=budget.step, minutes=round(budget.minutes(), 2),
           cpu_minutes=round(budget.cpu_minutes(), 2),
           params=params, recon_l1=err)
    return ae
