"""Writes the held-out set in MUSE's record format, with the PNGs beside it.

    /usr/bin/python3 gpu-service/training/pixel/make_heldout.py --out test/fixtures/pixel-heldout

Every scene gets one question per family (when the scene can host it). Records carry an extra
`question_families` list; real MUSE files lack it and are evaluated under `unknown`.
"""
import argparse
import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import rle  # noqa: E402
from questions import FAMILIES, make_question  # noqa: E402
from world import make_scene  # noqa: E402

SEED = 20260  # fixed: the held-out scenes never change unless this does


def build(out_dir, scenes=80, seed=SEED):
    rng = np.random.default_rng(seed)
    os.makedirs(out_dir, exist_ok=True)
    records = []
    for n in range(scenes):
        scene = make_scene(int(rng.integers(0, 2**62)), 64, (1.0, 1.0, 1.5))
        name = f'scene-{n:03d}.png'
        Image.fromarray(scene.image).save(os.path.join(out_dir, name), optimize=True)
        h, w = scene.image.shape[:2]
        rec = {'file_name': name, 'height': int(h), 'width': int(w), 'questions': [],
               'text_answers': [], 'answers': [], 'question_families': []}
        for family in FAMILIES:
            made = make_question(rng, scene.shapes, family)
            if made is None:
                continue
            question, answer, targets = made
            rec['questions'].append(question)
            rec['text_answers'].append(answer)
            rec['question_families'].append(family)
            rec['answers'].append([
                {'segmentation': rle.encode(scene.masks[i]), 'bbox': rle.bbox(scene.masks[i]),
                 'area': int(scene.masks[i].sum()), 'category_name': scene.shapes[i].label}
                for i in targets])
        records.append(rec)
    with open(os.path.join(out_dir, 'muse.json'), 'w') as f:
        json.dump(records, f, separators=(',', ':'))
        f.write('\n')
    return records


def main():
    ap = argparse.ArgumentParser(description='Write the pixel-ref held-out set (MUSE format).')
    ap.add_argument('--out', required=True)
    ap.add_argument('--scenes', type=int, default=80)
    args = ap.parse_args()
    records = build(args.out, args.scenes)
    print(f'{len(records)} scenes, {sum(len(r["questions"]) for r in records)} questions')


if __name__ == '__main__':
    main()
