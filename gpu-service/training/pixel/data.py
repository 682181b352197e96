"""Training batches: pooled scenes with fresh questions, balanced over the question families."""
import numpy as np
import torch

from preprocess import MEAN, STD
from questions import FAMILIES, make_question
from world import COLOURS, KINDS, SIZE_NAMES

COLOUR_INDEX = {c: i for i, c in enumerate(COLOURS)}
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
OBJECT_CLASSES = len(COLOURS) * len(KINDS) * len(SIZE_NAMES)


# Dense semantic maps (training only): per pixel the colour, kind and size class of the visible
# shape, class 0 for background. Averaged over each feature cell they give soft targets.
DENSE_GROUPS = (len(COLOURS) + 1, len(KINDS) + 1, len(SIZE_NAMES) + 1)


def semantic_maps(instances: np.ndarray, shapes) -> np.ndarray:
    """[3, S, S] int64 class maps (colour, kind, size) from an instance map."""
    lut = np.zeros((3, len(shapes) + 1), np.int64)
    for j, s in enumerate(shapes):
        lut[:, j + 1] = (COLOUR_INDEX[s.colour] + 1, KIND_INDEX[s.kind] + 1, s.size + 1)
    return lut[:, instances]


def object_grid(shapes, grid: int, size: int) -> np.ndarray:
    """[grid*grid, classes] multi-hot: which (colour, kind, size) has its centre in each image
    token's cell. Training-only target for the auxiliary head on the image tokens."""
    out = np.zeros((grid * grid, OBJECT_CLASSES), np.float32)
    cell = size / grid
    for s in shapes:
        gx = min(int(s.cx / cell), grid - 1)
        gy = min(int(s.cy / cell), grid - 1)
        k = (COLOUR_INDEX[s.colour] * len(KINDS) + KIND_INDEX[s.kind]) * len(SIZE_NAMES) + s.size
        out[gy * grid + gx, k] = 1
    return out


def sample_family(rng, cfg):
    weights = np.array([cfg['family_weights'][f] for f in FAMILIES], float)
    return FAMILIES[rng.choice(len(FAMILIES), p=weights / weights.sum())]


def sample_examples(rng, cfg, pool, count):
    """`count` (scene index, family, (question, answer, targets)) about one scene, families drawn
    with the configured weights (a family the scene cannot host is drawn again)."""
    index = int(rng.integers(0, len(pool)))
    out = []
    while len(out) < count:
        family = sample_family(rng, cfg)
        made = make_question(rng, pool.shapes[index], family)
        if made is not None:
            out.append((index, family, made))
    return out


def normalise(pictures: np.ndarray, contents) -> torch.Tensor:
    """uint8 [B, S, S, 3] pictures → normalised [B, 3, S, S], zero outside the content."""
    x = torch.from_numpy(pictures).float().permute(0, 3, 1, 2) / 255.0
    mean = torch.tensor(MEAN)[None, :, None, None]
    std = torch.tensor(STD)[None, :, None, None]
    x = (x - mean) / std
    for b, (cw, ch) in enumerate(contents):
        x[b, :, ch:, :] = 0
        x[b, :, :, cw:] = 0
    return x


def make_batch(rng, cfg, vocab, pool, batch_size):
    """`batch_size` question sequences over batch_size / questions_per_scene scenes: the image
    is encoded once and read by each of its questions."""
    s = cfg['image_size']
    per_scene = cfg.get('questions_per_scene', 1)
    per_target = cfg['answer'] == 'per-target'
    group = len(vocab.group)
    examples = []
    while len(examples) < batch_size:
        examples += sample_examples(rng, cfg, pool, per_scene)
    examples = examples[:batch_size]
    indices = []
    image_of = []
    seqs, q_lens, masks, owners, seg_pos, families = [], [], [], [], [], []
    for b, (index, family, (question, answer, targets)) in enumerate(examples):
        if b % per_scene == 0:
            indices.append(index)
        image_of.append(len(indices) - 1)
        q = vocab.encode_question(question)
        a = vocab.encode_answer(answer, per_target)
        seqs.append(q + a)
        q_lens.append(len(q))
        families.append(family)
        starts = [len(q) + j for j, t in enumerate(a) if t == vocab.group[0]]
        target_masks = pool.masks(index, targets)
        if not per_target and targets:
            target_masks = [np.any(np.stack(target_masks), 0)]
        for start, m in zip(starts, target_masks):
            masks.append(m.astype(np.float32))
            owners.append(b)
            seg_pos.append(list(range(start, start + group)))
    n = max(len(x) for x in seqs)
    ids = torch.full((batch_size, n), vocab.pad, dtype=torch.long)
    labels = torch.full((batch_size, n), -100, dtype=torch.long)
    for b, seq in enumerate(seqs):
        ids[b, :len(seq)] = torch.tensor(seq)
        # The logit at position j predicts token j+1; only answer tokens are learned.
        labels[b, q_lens[b] - 1:len(seq) - 1] = torch.tensor(seq[q_lens[b]:])
    grid = s // 8 // cfg['image_token_pool']
    return {
        'pixel_values': normalise(pool.images[indices], [pool.contents[i] for i in indices]),
        'object_grid': torch.from_numpy(np.stack([object_grid(pool.shapes[i], grid, s)
                                                  for i in indices])),
        'semantic': torch.from_numpy(np.stack([semantic_maps(pool.instances[i], pool.shapes[i])
                                               for i in indices])),
        'image_index': torch.tensor(image_of, dtype=torch.long),
        'input_ids': ids,
        'labels': labels,
        'masks': torch.from_numpy(np.stack(masks)) if masks else torch.zeros(0, s, s),
        'owners': torch.tensor(owners, dtype=torch.long),
        'seg_positions': torch.tensor(seg_pos, dtype=torch.long).reshape(len(owners), -1),
        'families': families,
    }
