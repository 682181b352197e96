"""Writes the reference values the TypeScript scheduler and tokenizer tests compare against
(test/fixtures/story/python-reference.json), computed here with the training code."""
import json
import os

import torch

from common import HERE
from schedule import alphas_cumprod, ddim_step, ddim_timesteps
from tokenizer import Tokenizer

OUT = os.path.join(HERE, '..', '..', '..', 'test', 'fixtures', 'story', 'python-reference.json')


def main():
    abar = alphas_cumprod(1000)
    g = torch.Generator().manual_seed(5)
    x, v = torch.randn(8, generator=g), torch.randn(8, generator=g)
    steps = ddim_timesteps(25)
    a_t, a_prev = abar[steps[3]], abar[steps[4]]
    prev, x0 = ddim_step(x.double(), v.double(), a_t, a_prev)
    tok = Tokenizer(24)
    prompts = ['A girl in a RED shirt, waving in the park!', 'someone with zebra hair', '',
               ' '.join(['red'] * 30)]
    fixture = {
        'alphasCumprod': {str(t): float(abar[t]) for t in [0, 1, 10, 250, 500, 750, 998, 999]},
        'timesteps25': steps,
        'timesteps10': ddim_timesteps(10),
        'step': {'index': 3, 'x': x.tolist(), 'v': v.tolist(), 'alphaT': float(a_t),
                 'alphaPrev': float(a_prev), 'prev': prev.tolist(), 'x0': x0.tolist()},
        'vocabulary': {'words': tok.words, 'maxTokens': tok.max_tokens,
                       'special': {'pad': tok.pad, 'bos': tok.bos, 'eos': tok.eos,
                                   'unk': tok.unk}},
        'tokens': {p: tok.encode(p) for p in prompts},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, indent=1)
    print('wrote', os.path.normpath(OUT))


if __name__ == '__main__':
    main()
