"""Evaluates a checkpoint in PyTorch on a MUSE-format file, with the same greedy decoding and
metrics as `npm run eval:pixel`, and writes the figures into the bundle (eval-python.json).

    /usr/bin/python3 gpu-service/training/pixel/evaluate.py --checkpoint runs/pixel-ref/model.pt \
        --data test/fixtures/pixel-heldout/muse.json --bundle gpu-service/models/pixel-ref
"""
import argparse
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from inference import answer, decode_masks, encode  # noqa: E402
from metrics import Tally, score_question  # noqa: E402
from model import PixelLM  # noqa: E402
from muse import instance_mask, load_muse, read_image  # noqa: E402
from vocab import Vocabulary, split_words  # noqa: E402


def load_model(checkpoint):
    ck = torch.load(checkpoint, map_location='cpu')
    cfg = ck['config']
    vocab = Vocabulary(cfg['scales'], cfg['tokens_per_scale'])
    model = PixelLM(cfg, len(vocab))
    model.load_trained(ck['model'])
    return model.eval(), vocab, cfg


def exact_answer(words, reference, single):
    """Same words (codebook groups aside) and the same groups: one per target, or for the
    single-[SEG] form one group whenever the reference has targets."""
    if reference is None:
        return False
    ref = split_words(reference.replace('{seg}', ' '))
    ref_groups = reference.count('{seg}')
    got = [w for w in words if w != '{seg}']
    groups = words.count('{seg}')
    same_groups = (groups > 0) == (ref_groups > 0) if single else groups == ref_groups
    return got == ref and same_groups


def evaluate(model, vocab, cfg, records, limit=None):
    tally = Tally()
    for rec in records[:limit]:
        image = read_image(rec)
        h, w = image.shape[:2]
        tokens, f0, f1, content = encode(model, image, cfg['image_size'])
        families = rec.get('question_families') or ['unknown'] * len(rec['questions'])
        texts = rec.get('text_answers') or [None] * len(rec['questions'])
        for q, family, truth, text in zip(rec['questions'], families, rec['answers'], texts):
            words, labels, seg = answer(model, vocab, tokens, q, cfg['max_answer_tokens'])
            preds, _ = decode_masks(model, seg, f0, f1, content, w, h)
            gts = [instance_mask(t, h, w) for t in truth]
            giou, inter, union = score_question(preds, gts)
            exact = exact_answer(words, text, cfg['answer'] == 'single')
            tally.add(family, len(gts), giou, inter, union, exact, len(preds))
    return tally.report()


def main():
    ap = argparse.ArgumentParser(description='PyTorch eval of a pixel-ref checkpoint.')
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--data', required=True)
    ap.add_argument('--bundle', help='write eval-python.json into this bundle folder')
    ap.add_argument('--limit', type=int)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, vocab, cfg = load_model(args.checkpoint)
    t = time.time()
    report = evaluate(model, vocab, cfg, load_muse(args.data), args.limit)
    report['seconds'] = round(time.time() - t, 1)
    for k, v in report['byFamily'].items():
        print(f'{k:12s} gIoU {v["gIoU"]:.3f} cIoU {v["cIoU"]:.3f} n {v["count"]}')
    for k, v in report['byTargets'].items():
        print(f'targets {k:3s} gIoU {v["gIoU"]:.3f} cIoU {v["cIoU"]:.3f} n {v["count"]}')
    print(f'overall gIoU {report["gIoU"]:.4f} cIoU {report["cIoU"]:.4f} '
          f'exact {report["exactAnswer"]:.3f} none {report["noneAccuracy"]}')
    if args.bundle:
        report['data'] = os.path.relpath(args.data, args.bundle)
        with open(os.path.join(args.bundle, 'eval-python.json'), 'w') as f:
            json.dump(report, f, indent=2)
            f.write('\n')
    print(json.dumps(report))


if __name__ == '__main__':
    main()
