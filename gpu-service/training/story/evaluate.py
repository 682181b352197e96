"""Python version of the story eval, for checking a training run before export: identity
consistency of the open attributes (independent seeds, shared seed, shared seed with
Consistent Self-Attention), prompt faithfulness, and a PNG grid."""
import random
import sys

import numpy as np
import torch
from PIL import Image

from autoencoder import Autoencoder
from classifier import Classifier
from common import arg, load, load_config, setup
from data import CLASSES, HEADS
from eval_set import eval_stories
from sampling import story
from tokenizer import Tokenizer
from train_unet import StoryModel


def agreement(labels):
    """Fraction of panel pairs with the same label."""
    pairs = [(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))]
    return sum(labels[i] == labels[j] for i, j in pairs) / len(pairs)


def measure(images, st, clf):
    with torch.no_grad():
        logits = clf(images)
    pred = {h: l.argmax(1).tolist() for h, l in zip(HEADS, logits)}
    cons = np.mean([agreement(pred[a]) for a in st['open']])
    checks = []
    for k, p in enumerate(st['panels']):
        for a in st['prompted']:
            checks.append(pred[a][k] == CLASSES[a].index(st['attributes'][a]))
        checks.append(pred['action'][k] == CLASSES['action'].index(p['action']))
        checks.append(pred['setting'][k] == CLASSES['setting'].index(p['setting']))
    return cons, np.mean(checks)


def run(cfg, run_dir, n_stories=12, steps=25, guidance=None, rate=0.5, identity=2):
    setup(cfg, 7)
    tok = Tokenizer(cfg['text_encoder']['max_tokens'])
    model = StoryModel(cfg, len(tok.words))
    model.load_state_dict(load(run_dir, 'story_model'))
    ae = Autoencoder()
    ae.load_state_dict(load(run_dir, 'autoencoder'))
    clf = Classifier()
    clf.load_state_dict(load(run_dir, 'classifier'))
    for m in (model, ae, clf):
        m.eval()
    guidance = guidance or cfg['schedule']['guidance']
    settings = {'plain': (False, 0.0), 'sharedSeed': (True, 0.0), 'csa': (True, rate)}
    results = {k: [] for k in settings}
    rows = {k: [] for k in settings}
    for st in eval_stories(n_stories):
        prompts = [f"{st['character']}, {p['text']}" for p in st['panels']]
        for name, (shared, r) in settings.items():
            g = torch.Generator().manual_seed(st['seed'])
            noise = torch.randn(1 if shared else len(prompts), 4, 16, 16, generator=g)
            noise = noise.expand(len(prompts), -1, -1, -1)
            z = story(model, tok, prompts, noise, identity, steps, guidance, r, generator=g)
            with torch.no_grad():
                images = ae.decode(z)
            results[name].append(measure(images, st, clf))
            rows[name].append(torch.cat(list(images), 2))
    for name in settings:
        c, f = np.mean(results[name], axis=0)
        print(f'{name}: consistency {c:.3f} faithfulness {f:.3f}')
        grid = torch.cat(rows[name][:8], 1).permute(1, 2, 0).numpy()
        Image.fromarray((grid * 255).clip(0, 255).astype(np.uint8)).save(
            f'{run_dir}/eval-{name}.png')
    return results


if __name__ == '__main__':
    run(load_config(arg('--config')), arg('--run', '.'), int(arg('--stories', '12')),
        int(arg('--steps', '25')), float(arg('--guidance', '0')) or None,
        float(arg('--rate', '0.5')), int(arg('--identity', '2')))
    sys.exit(0)
