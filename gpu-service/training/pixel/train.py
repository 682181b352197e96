"""Trains pixel-ref (or the single-[SEG] baseline) on the synthetic world.

    /usr/bin/python3 gpu-service/training/pixel/train.py --config configs/pixel-ref.json
    /usr/bin/python3 gpu-service/training/pixel/train.py --quick      # a few steps + export

Writes the checkpoint and a log under gpu-service/training/runs/<name>/. With --export DIR the
bundle is exported there when training ends (--quick exports into a temporary folder).
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time



def _threads_from_argv(default='2'):
    """--threads N, read before numpy and torch load: Debian's torch calls a generic BLAS that
    OpenBLAS serves, and OpenBLAS takes its thread count from the environment only."""
    args = sys.argv
    for i, a in enumerate(args[:-1]):
        if a == '--threads':
            return args[i + 1]
    return default


os.environ.setdefault('OPENBLAS_NUM_THREADS', _threads_from_argv())

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from data import make_batch  # noqa: E402
from model import PixelLM  # noqa: E402
from pool import build_pool  # noqa: E402
from vocab import Vocabulary  # noqa: E402

RUNS = os.path.join(HERE, '..', 'runs')


def load_config(path):
    if not os.path.isabs(path) and not os.path.exists(path):
        path = os.path.join(HERE, path)
    with open(path) as f:
        return json.load(f)


def lr_at(step, cfg):
    if step < cfg['warmup']:
        return cfg['lr'] * (step + 1) / cfg['warmup']
    t = (step - cfg['warmup']) / max(1, cfg['steps'] - cfg['warmup'])
    floor = cfg['min_lr_ratio']
    return cfg['lr'] * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


def param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim >= 2 and 'pos' not in name and 'token' not in name else no_decay).append(p)
    return [{'params': decay, 'weight_decay': weight_decay},
            {'params': no_decay, 'weight_decay': 0.0}]


def train(cfg, out_dir, log, init=None):
    torch.manual_seed(cfg['seed'])
    rng = np.random.default_rng(cfg['seed'])
    vocab = Vocabulary(cfg['scales'], cfg['tokens_per_scale'])
    t0 = time.time()
    pool = build_pool(cfg, cfg['pool_scenes'], cfg['pool_seed'], cfg.get('pool_cache'), log)
    log(f'pool of {len(pool)} scenes in {time.time() - t0:.0f}s')
    model = PixelLM(cfg, len(vocab))
    before = {'steps': 0, 'minutes': 0.0, 'cpu_minutes': 0.0}
    if init:
        ck = torch.load(init, map_location='cpu')
        model.load_state_dict(ck['model'])
        before = {k: ck.get(k) or 0 for k in before}
        before['stages'] = ck.get('stages', [{'config': ck['config'], 'steps': ck['steps']}])
        log(f'continuing from {init} ({before["steps"]} steps)')
    counts = {k: sum(p.numel() for p in getattr(model, k).parameters())
              for k in ('encoder', 'lm', 'decoder')}
    log(f'parameters: {counts}, total {sum(counts.values())}')
    opt = torch.optim.AdamW(param_groups(model, cfg['weight_decay']), lr=cfg['lr'],
                            betas=(0.9, 0.98))
    start, cpu_start = time.time(), time.process_time()
    window = []
    for step in range(cfg['steps']):
        for g in opt.param_groups:
            g['lr'] = lr_at(step, cfg)
        batch = make_batch(rng, cfg, vocab, pool, cfg['batch_size'])
        out = model(batch)
        opt.zero_grad(set_to_none=True)
        out['loss'].backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg['grad_clip'])
        opt.step()
        window.append({k: float(v) for k, v in out.items()})
        if (step + 1) % cfg['log_every'] == 0 or step + 1 == cfg['steps']:
            mean = {k: np.mean([w[k] for w in window if k in w]) for k in window[-1]}
            parts = ' '.join(f'{k} {v:.4f}' for k, v in mean.items())
            log(f'step {step + 1}/{cfg["steps"]} {parts} lr {lr_at(step, cfg):.2e} '
                f'{(time.time() - start) / 60:.1f} min')
            window = []
        if cfg.get('save_every') and (step + 1) % cfg['save_every'] == 0:
            save(model, cfg, out_dir, step + 1, time.time() - start, counts, before=before)
    minutes = (time.time() - start) / 60
    cpu_minutes = (time.process_time() - cpu_start) / 60
    save(model, cfg, out_dir, cfg['steps'], minutes * 60, counts, cpu_minutes, before)
    log(f'trained {cfg["steps"]} steps in {minutes:.1f} min '
        f'({cpu_minutes:.1f} min of CPU time on {torch.get_num_threads()} threads)')
    return model, vocab


def save(model, cfg, out_dir, steps, seconds, counts, cpu_minutes=None, before=None):
    """Checkpoint with the totals over every stage (a continued run adds to its start)."""
    before = before or {'steps': 0, 'minutes': 0.0, 'cpu_minutes': 0.0}
    stages = before.get('stages', []) + [{'config': cfg, 'steps': steps}]
    cpu = None if cpu_minutes is None else round(cpu_minutes + before['cpu_minutes'], 2)
    os.makedirs(out_dir, exist_ok=True)
    torch.save({'model': model.state_dict(), 'config': cfg, 'steps': steps + before['steps'],
                'minutes': round(seconds / 60 + before['minutes'], 2), 'parameters': counts,
                'cpu_minutes': cpu, 'stages': stages},
               os.path.join(out_dir, 'model.pt'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--config', default='configs/pixel-ref.json')
    ap.add_argument('--quick', action='store_true', help='a few steps and an export, < 2 min')
    ap.add_argument('--steps', type=int)
    ap.add_argument('--threads', type=int)
    ap.add_argument('--out', help='checkpoint folder (default runs/<name>)')
    ap.add_argument('--export', help='export the bundle to this folder when done')
    ap.add_argument('--init', help='continue from this checkpoint (weights only; the config '
                    'given here sets the new schedule)')
    args = ap.parse_args()
    cfg = load_config(args.config)
    cfg.setdefault('pool_cache', RUNS)
    if args.quick:
        cfg.update(steps=6, batch_size=8, pool_scenes=64, warmup=2, log_every=2, save_every=0,
                   pool_cache=None)
    if args.steps:
        cfg['steps'] = args.steps
    torch.set_num_threads(args.threads or cfg['threads'])
    out_dir = args.out or os.path.join(RUNS, cfg['name'] + ('-quick' if args.quick else ''))
    os.makedirs(out_dir, exist_ok=True)
    log_file = open(os.path.join(out_dir, 'train.log'), 'a')

    def log(msg):
        line = f'[{time.strftime("%H:%M:%S")}] {msg}'
        print(line, flush=True)
        log_file.write(line + '\n')
        log_file.flush()

    log(f'config {json.dumps(cfg)}')
    model, vocab = train(cfg, out_dir, log, args.init)
    target = args.export or (tempfile.mkdtemp(prefix='pixel-quick-') if args.quick else None)
    if target:
        from export import export_bundle
        export_bundle(model, vocab, cfg, target, os.path.join(out_dir, 'model.pt'), log)
        log(f'exported to {target}')


if __name__ == '__main__':
    main()
