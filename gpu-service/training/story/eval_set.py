"""The fixed held-out evaluation set: stories whose prompts leave some attributes open, and
motion clips rendered by the world. Exported into the bundle so the TypeScript eval needs no
Python."""
import random

import numpy as np

from data import interpolate_pose
from world import (ACTIONS, ATTRIBUTE_NAMES, SETTINGS, character_phrase, panel_phrase,
                   pose_of, random_character, render)

EVAL_SEED = 20261204


def eval_stories(n=24, panels=4, mentioned=2, seed=EVAL_SEED):
    """Stories of one character each: `mentioned` attributes in the character text, the
    others open; every panel names an action and a setting."""
    rng = random.Random(seed)
    stories = []
    for i in range(n):
        ch = random_character(rng)
        mention = set(rng.sample(ATTRIBUTE_NAMES, mentioned))
        actions = rng.sample(ACTIONS, panels)
        stories.append({
            'id': i,
            'seed': rng.randrange(2 ** 31),
            'character': character_phrase(ch, mention, rng),
            'attributes': ch,
            'prompted': sorted(mention),
            'open': [a for a in ATTRIBUTE_NAMES if a not in mention],
            'panels': [{'text': panel_phrase(a, s), 'action': a, 'setting': s}
                       for a, s in zip(actions, [rng.choice(SETTINGS) for _ in actions])],
        })
    return stories


def motion_clips(n=16, frames=6, seed=EVAL_SEED + 1):
    """n clips of `frames` frames, uint8 [n, frames, 64, 64, 3]: one character and setting
    moving from one action's pose to another's."""
    rng = random.Random(seed)
    clips = []
    for _ in range(n):
        ch, setting = random_character(rng), rng.choice(SETTINGS)
        a0, a1 = rng.sample(ACTIONS, 2)
        p0, p1 = pose_of(a0, rng), pose_of(a1, rng)
        clips.append([render(ch, interpolate_pose(p0, p1, i / (frames - 1)), setting)
                      for i in range(frames)])
    return np.array(clips, dtype=np.uint8)


def clips_grid(clips):
    """Clips as one image: a row per clip, a column per frame, no gaps."""
    n, f, h, w, c = clips.shape
    return clips.transpose(0, 2, 1, 3, 4).reshape(n * h, f * w, c)
