"""Trains the text encoder and the UNet together on latents of rendered sprites with partial
prompts: v-prediction, cosine schedule, min-SNR weighting, prompt dropout for classifier-free
guidance, an EMA of the weights for sampling."""
import copy

import torch

from common import Budget, cosine_lr, log, record, save, setup
from data import sample_prompted
from schedule import alphas_cumprod, v_target
from text_encoder import TextEncoder
from tokenizer import Tokenizer
from unet import UNet


class StoryModel(torch.nn.Module):
    """Text encoder + UNet, trained and averaged together."""

    def __init__(self, cfg, vocab_size):
        super().__init__()
        self.text = TextEncoder(vocab_size, cfg['text_encoder'])
        self.unet = UNet(cfg['unet'])


def ema_update(ema, model, decay):
    with torch.no_grad():
        for e, p in zip(ema.parameters(), model.parameters()):
            e.mul_(decay).add_(p.detach(), alpha=1 - decay)


def train_unet(cfg, run_dir, ae, quick=False, resume=None):
    c, s = cfg['unet'], cfg['schedule']
    rng = setup(cfg, 3)
    tok = Tokenizer(cfg['text_encoder']['max_tokens'])
    model = StoryModel(cfg, len(tok.words))
    if resume is not None:
        model.load_state_dict(resume)
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=c['lr'], weight_decay=0.01)
    abar = alphas_cumprod(s['timesteps']).float()
    ae.eval().requires_grad_(False)
    budget = Budget(c['core_minutes'], steps=10 if quick else c.get('steps'))
    params = sum(p.numel() for p in model.unet.parameters())
    log(run_dir, 'unet', f'{params} UNet params, '
        f'{sum(p.numel() for p in model.text.parameters())} text encoder params')
    next_save, running = 10.0, None
    while budget.running():
        cosine_lr(opt, c['lr'], budget.fraction())
        images, prompts = sample_prompted(rng, c['batch'], c)
        with torch.no_grad():
            x0 = ae.encode(images)
        ids = tok.batch(prompts)
        t = torch.randint(0, s['timesteps'], (x0.shape[0],))
        a = abar[t].view(-1, 1, 1, 1)
        noise = torch.randn_like(x0)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        pred = model.unet(xt, t.float(), model.text(ids))
        snr = a / (1 - a)
        weight = torch.clamp(snr, max=c['min_snr']) / (snr + 1)
        loss = (weight * (pred - v_target(x0, noise, a)).pow(2)).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        budget.tick()
        ema_update(ema, model, min(c['ema'], (1 + budget.step) / (10 + budget.step)))
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if budget.step % 25 == 0:
            log(run_dir, 'unet', f'step {budget.step} loss {running:.4f} '
                f'{budget.minutes():.1f} min, {budget.cpu_minutes():.1f} core-min')
        if budget.cpu_minutes() > next_save:
            save(run_dir, 'story_model', ema.state_dict())
            save(run_dir, 'story_model_raw', model.state_dict())
            next_save += 10.0
    save(run_dir, 'story_model', ema.state_dict())
    save(run_dir, 'story_model_raw', model.state_dict())
    log(run_dir, 'unet', f'done: {budget.step} steps, {budget.minutes():.1f} min')
    record(run_dir, 'unet', steps=budget.step, minutes=round(budget.minutes(), 2),
           cpu_minutes=round(budget.cpu_minutes(), 2),
           params=params, text_encoder_params=sum(p.numel() for p in model.text.parameters()))
    return ema
