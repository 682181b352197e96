"""Trains the measuring classifier on rendered sprites (with blur/noise augmentation)."""
import random

import torch
import torch.nn.functional as F

from classifier import Classifier, augment
from common import Budget, cosine_lr, log, record, save, setup
from data import HEADS, sample_frames


def accuracy(model, rng, n=512):
    model.eval()
    with torch.no_grad():
        x, y = sample_frames(rng, n)
        logits = model(augment(x))
    model.train()
    return {h: (l.argmax(1) == y[:, i]).float().mean().item()
            for i, (h, l) in enumerate(zip(HEADS, logits))}


def train_classifier(cfg, run_dir, quick=False):
    c = cfg['classifier']
    rng = setup(cfg, 2)
    g = torch.Generator().manual_seed(cfg['seed'] + 2)
    model = Classifier()
    opt = torch.optim.AdamW(model.parameters(), lr=c['lr'], weight_decay=1e-4)
    budget = Budget(c['core_minutes'], steps=10 if quick else None)
    while budget.running():
        cosine_lr(opt, c['lr'], budget.fraction())
        x, y = sample_frames(rng, c['batch'])
        logits = model(augment(x, g))
        loss = sum(F.cross_entropy(l, y[:, i]) for i, l in enumerate(logits))
        opt.zero_grad()
        loss.backward()
        opt.step()
        budget.tick()
        if budget.step % 50 == 0:
            log(run_dir, 'classifier', f'step {budget.step} loss {loss.item():.4f} '
                f'{budget.minutes():.1f} min, {budget.cpu_minutes():.1f} core-min')
    model.eval()
    acc = accuracy(model, random.Random(cfg['seed'] + 99))
    params = sum(p.numel() for p in model.parameters())
    log(run_dir, 'classifier', f'done: {budget.step} steps, {budget.minutes():.1f} min, '
        f'held-out accuracy {acc}')
    save(run_dir, 'classifier', model.state_dict())
    record(run_dir, 'classifier', steps=budget.step, minutes=round(budget.minutes(), 2),
           cpu_minutes=round(budget.cpu_minutes(), 2),
           params=params, accuracy=acc)
    return model
