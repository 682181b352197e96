"""Batches drawn from the sprite world on the fly: images, attribute labels, prompts, motion
clips. Rendering takes ~0.2 ms a frame, so no dataset is stored."""
import random

import numpy as np
import torch

from world import (ACTIONS, ATTRIBUTE_NAMES, ATTRIBUTE_VALUES, JOINTS, SETTINGS, pose_of,
                   prompt_of, random_character, render)

HEADS = ATTRIBUTE_NAMES + ['action', 'setting']
CLASSES = {**ATTRIBUTE_VALUES, 'action': ACTIONS, 'setting': SETTINGS}


def to_tensor(images):
    """uint8 [N, 64, 64, 3] -> float [N, 3, 64, 64] in [0, 1]."""
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0


def labels_of(character, action, setting):
    """Class index per head for one frame."""
    values = {**character, 'action': action, 'setting': setting}
    return [CLASSES[h].index(values[h]) for h in HEADS]


def sample_frames(rng, n):
    """n random frames with their class labels: (images [n,3,64,64], labels [n, heads])."""
    images, labels = [], []
    for _ in range(n):
        ch, action, setting = random_character(rng), rng.choice(ACTIONS), rng.choice(SETTINGS)
        images.append(render(ch, pose_of(action, rng), setting))
        labels.append(labels_of(ch, action, setting))
    return to_tensor(images), torch.tensor(labels, dtype=torch.long)


def sample_prompted(rng, n, cfg):
    """n frames with partial prompts, as the UNet trains on them.

    Each attribute is named with probability `mention_p`; the action and the setting with
    `action_p` and `setting_p`; a prompt is dropped entirely (for classifier-free guidance)
    with probability `drop_p`.
    """
    images, prompts = [], []
    for _ in range(n):
        ch, action, setting = random_character(rng), rng.choice(ACTIONS), rng.choice(SETTINGS)
        images.append(render(ch, pose_of(action, rng), setting))
        if rng.random() < cfg['drop_p']:
            prompts.append('')
            continue
        mention = {a for a in ATTRIBUTE_NAMES if rng.random() < cfg['mention_p']}
        said_action = action if rng.random() < cfg['action_p'] else None
        said_setting = setting if rng.random() < cfg['setting_p'] else None
        prompts.append(prompt_of(ch, mention, said_action, said_setting, rng))
    return to_tensor(images), prompts


def interpolate_pose(a, b, s):
    """The pose a fraction s of the way from pose a to pose b (joint angles are linear)."""
    return a + (b - a) * s


def sample_clips(rng, n, frames):
    """n motion clips of `frames` frames each: one character and setting, from one action's
    pose to another's. Returns images [n, frames, 3, 64, 64]."""
    clips = []
    for _ in range(n):
        ch, setting = random_character(rng), rng.choice(SETTINGS)
        a0, a1 = rng.sample(ACTIONS, 2)
        p0, p1 = pose_of(a0, rng), pose_of(a1, rng)
        clip = [render(ch, interpolate_pose(p0, p1, i / (frames - 1)), setting)
                for i in range(frames)]
        clips.append(to_tensor(clip))
    return torch.stack(clips)


assert len(JOINTS) == len(pose_of('standing'))
