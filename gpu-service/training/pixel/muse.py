"""Reads MUSE-format records: {file_name, height, width, questions, text_answers, answers}."""
import json
import os

import numpy as np
from PIL import Image

import rle


def load_muse(path):
    with open(path) as f:
        records = json.load(f)
    base = os.path.dirname(os.path.abspath(path))
    for rec in records:
        rec['path'] = os.path.join(base, rec['file_name'])
    return records


def read_image(rec):
    return np.asarray(Image.open(rec['path']).convert('RGB'))


def instance_mask(inst, height, width):
    seg = inst['segmentation']
    if isinstance(seg, dict) and isinstance(seg.get('counts'), str):
        return rle.decode(seg)
    raise ValueError('only compressed COCO RLE segmentations are read here')
