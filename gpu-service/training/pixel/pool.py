"""A pool of training scenes rendered once and cached, reused with fresh questions each step.

Rendering dominates the cost of a batch, so scenes are drawn once per (seed, size) and kept in
the model frame: the preprocessed picture (uint8, content at the top left, the rest zero) and an
instance map (0 = background, i + 1 = shape i). Questions are drawn anew for every use.
"""
import os
import pickle

import numpy as np

from preprocess import content_size, resize
from world import frame_masks, make_scene


class ScenePool:
    def __init__(self, images, instances, contents, shapes):
        self.images, self.instances = images, instances
        self.contents, self.shapes = contents, shapes

    def __len__(self):
        return len(self.shapes)

    def masks(self, index, targets):
        inst = self.instances[index]
        return [inst == i + 1 for i in targets]


def _frame_picture(scene, size):
    h, w = scene.image.shape[:2]
    cw, ch = content_size(w, h, size)
    pic = np.zeros((size, size, 3), np.uint8)
    pic[:ch, :cw] = np.clip(np.round(resize(scene.image, cw, ch)), 0, 255).astype(np.uint8)
    inst = np.zeros((size, size), np.uint8)
    for i, m in enumerate(frame_masks(scene)):
        inst[:m.shape[0], :m.shape[1]][m] = i + 1
    return pic, inst, (cw, ch)


def build_pool(cfg, count, seed, cache_dir=None, log=print):
    size = cfg['image_size']
    path = None
    if cache_dir:
        path = os.path.join(cache_dir, f'pool-{seed}-{count}-{size}.pkl')
        if os.path.exists(path):
            with open(path, 'rb') as f:
                return ScenePool(*pickle.load(f))
    rng = np.random.default_rng(seed)
    images = np.zeros((count, size, size, 3), np.uint8)
    instances = np.zeros((count, size, size), np.uint8)
    contents, shapes = [], []
    for n in range(count):
        scene = make_scene(int(rng.integers(0, 2**62)), size, tuple(cfg['scales_seen']),
                           cfg['min_shapes'], cfg['max_shapes'])
        images[n], instances[n], content = _frame_picture(scene, size)
        contents.append(content)
        shapes.append(scene.shapes)
        if (n + 1) % 5000 == 0:
            log(f'pool: {n + 1}/{count} scenes')
    parts = (images, instances, contents, shapes)
    if path:
        os.makedirs(cache_dir, exist_ok=True)
        with open(path, 'wb') as f:
            pickle.dump(parts, f, protocol=4)
    return ScenePool(*parts)
