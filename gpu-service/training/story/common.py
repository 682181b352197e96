"""Shared training helpers: config, seeding, time budgets, logging, checkpoints."""
import json
import math
import os
import random
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def load_config(path=None):
    with open(path or os.path.join(HERE, 'config.json')) as f:
        return json.load(f)


def setup(cfg, offset=0):
    """Threads and seeds; returns a Python RNG for the world sampler."""
    torch.set_num_threads(cfg.get('threads', 2))
    torch.manual_seed(cfg['seed'] + offset)
    return random.Random(cfg['seed'] + offset)


class Budget:
    """A compute budget in core-minutes (CPU time of this process, all threads): a loop runs
    until it is spent, or for a fixed number of steps. CPU time, unlike wall-clock time, does
    not shrink when other jobs share the cores, so a run does the same work on a busy machine
    as on a free one; `minutes()` reports the wall-clock time as well."""

    def __init__(self, core_minutes, steps=None):
        self.start = time.time()
        self.start_cpu = time.process_time()
        self.seconds = core_minutes * 60.0
        self.steps = steps
        self.step = 0

    def fraction(self):
        if self.steps:
            return min(1.0, self.step / self.steps)
        return min(1.0, (time.process_time() - self.start_cpu) / self.seconds)

    def running(self):
        return self.fraction() < 1.0

    def tick(self):
        self.step += 1

    def minutes(self):
        """Wall-clock minutes since the start."""
        return (time.time() - self.start) / 60.0

    def cpu_minutes(self):
        """CPU time of this process (all threads) since the start, in minutes."""
        return (time.process_time() - self.start_cpu) / 60.0


def cosine_lr(opt, base, fraction, warmup=0.03):
    """Linear warm-up, then cosine decay to 5% of `base`, by fraction of the budget."""
    if fraction < warmup:
        f = fraction / warmup
    else:
        f = 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (fraction - warmup) / (1 - warmup)))
    for g in opt.param_groups:
        g['lr'] = base * f


def log(run_dir, name, text):
    line = f'[{time.strftime("%H:%M:%S")}] {name}: {text}'
    print(line, flush=True)
    with open(os.path.join(run_dir, 'train.log'), 'a') as f:
        f.write(line + '\n')


def save(run_dir, name, obj):
    torch.save(obj, os.path.join(run_dir, f'{name}.pt'))


def load(run_dir, name):
    return torch.load(os.path.join(run_dir, f'{name}.pt'))


def record(run_dir, part, **info):
    """Appends a part's training facts (steps, minutes, parameters) to training.json."""
    path = os.path.join(run_dir, 'training.json')
    facts = json.load(open(path)) if os.path.exists(path) else {}
    facts[part] = info
    with open(path, 'w') as f:
        json.dump(facts, f, indent=2)


def arg(name, default=None):
    """A `--name value` command-line argument."""
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default
