"""The sprite world: characters drawn from attributes, in poses and settings, at 64x64.

A character is a set of attribute values (hair, skin, shirt, trousers, hat). A pose is a set of
joint angles plus a vertical offset of the hips, so the renderer can also draw the frames between
two poses (motion clips). A setting is a flat-colour background.
"""
import math
import random

import numpy as np
from PIL import Image, ImageDraw

SIZE = 64

ATTRIBUTES = {
    'hair': {
        'black': (28, 28, 30), 'brown': (150, 86, 30),
        'blonde': (250, 222, 90), 'ginger': (232, 96, 22),
    },
    'skin': {'pale': (252, 218, 190), 'tan': (214, 156, 104), 'dark': (104, 64, 46)},
    'shirt': {
        'red': (222, 38, 44), 'blue': (40, 82, 222), 'green': (40, 172, 64),
        'yellow': (244, 204, 36), 'purple': (146, 62, 196), 'white': (244, 244, 244),
    },
    'trousers': {
        'blue': (52, 78, 170), 'black': (34, 34, 40), 'gray': (140, 140, 140),
        'red': (184, 40, 40),
    },
    'hat': {'none': None, 'cap': (18, 156, 156), 'tophat': (20, 20, 22)},
}
ATTRIBUTE_NAMES = list(ATTRIBUTES)
ATTRIBUTE_VALUES = {k: list(v) for k, v in ATTRIBUTES.items()}

ACTIONS = ['standing', 'waving', 'jumping', 'sitting', 'walking', 'cheering']
SETTINGS = ['park', 'beach', 'city', 'night']
SETTING_PHRASES = {
    'park': 'in the park', 'beach': 'on the beach', 'city': 'in the city', 'night': 'at night',
}

# Joint angles in degrees, measured from straight down, positive towards the image's right.
# Elbows and knees are bends relative to the upper segment. `lift` raises the hips (pixels).
JOINTS = ['sh_l', 'el_l', 'sh_r', 'el_r', 'hip_l', 'kn_l', 'hip_r', 'kn_r', 'lift']
POSES = {
    'standing': [-12, 0, 12, 0, -5, 0, 5, 0, 0],
    'waving': [-12, 0, 135, 40, -5, 0, 5, 0, 0],
    'jumping': [-125, 0, 125, 0, -35, 60, 35, -60, 6],
    'sitting': [-25, 30, 25, -30, 90, -90, 80, -80, -9],
    'walking': [-34, 20, 10, -6, -28, -8, 26, 10, 0],
    'cheering': [-160, 0, 160, 0, -8, 0, 8, 0, 0],
}

BACKGROUND = {
    'park': {'sky': (150, 206, 246), 'ground': (92, 182, 82)},
    'beach': {'sky': (172, 222, 252), 'ground': (242, 222, 152)},
    'city': {'sky': (204, 204, 214), 'ground': (150, 150, 154)},
    'night': {'sky': (22, 26, 62), 'ground': (40, 62, 52)},
}
HORIZON = 46


def random_character(rng):
    """Draws one value per attribute, uniformly."""
    return {k: rng.choice(ATTRIBUTE_VALUES[k]) for k in ATTRIBUTE_NAMES}


def pose_of(action, rng=None, jitter=6.0):
    """Joint angles of an action, with a small random jitter when rng is given."""
    base = np.array(POSES[action], dtype=np.float64)
    if rng is not None and jitter > 0:
        noise = np.array([rng.uniform(-jitter, jitter) for _ in JOINTS])
        noise[-1] = rng.uniform(-1, 1)
        base = base + noise
    return base


def _draw_background(d, setting):
    bg = BACKGROUND[setting]
    d.rectangle([0, 0, SIZE, HORIZON], fill=bg['sky'])
    d.rectangle([0, HORIZON, SIZE, SIZE], fill=bg['ground'])
    if setting == 'park':
        d.rectangle([6, 30, 9, HORIZON + 2], fill=(112, 72, 40))
        d.ellipse([0, 18, 15, 33], fill=(38, 128, 52))
    elif setting == 'beach':
        d.rectangle([0, HORIZON - 6, SIZE, HORIZON - 1], fill=(40, 120, 204))
        d.ellipse([50, 3, 60, 13], fill=(255, 232, 80))
    elif setting == 'city':
        for x0, h in [(0, 24), (11, 34), (44, 30), (54, 20)]:
            d.rectangle([x0, HORIZON - h, x0 + 9, HORIZON - 1], fill=(108, 108, 132))
            for wy in range(HORIZON - h + 3, HORIZON - 3, 6):
                d.rectangle([x0 + 2, wy, x0 + 3, wy + 1], fill=(240, 220, 120))
                d.rectangle([x0 + 6, wy, x0 + 7, wy + 1], fill=(240, 220, 120))
    elif setting == 'night':
        d.ellipse([48, 4, 58, 14], fill=(242, 242, 204))
        for sx, sy in [(6, 6), (16, 12), (40, 8), (26, 4), (8, 24), (56, 28)]:
            d.point([(sx, sy)], fill=(230, 230, 255))


def _limb(d, start, angle_deg, length, width, color):
    a = math.radians(angle_deg)
    end = (start[0] + length * math.sin(a), start[1] + length * math.cos(a))
    d.line([start, end], fill=color, width=width)
    r = width / 2.0
    d.ellipse([end[0] - r, end[1] - r, end[0] + r, end[1] + r], fill=color)
    return end


def render(character, pose, setting):
    """Renders one 64x64 RGB frame (uint8 HWC) of a character in a pose and setting."""
    img = Image.new('RGB', (SIZE, SIZE))
    d = ImageDraw.Draw(img)
    _draw_background(d, setting)
    sh_l, el_l, sh_r, el_r, hip_l, kn_l, hip_r, kn_r, lift = [float(v) for v in pose]
    skin = ATTRIBUTES['skin'][character['skin']]
    shirt = ATTRIBUTES['shirt'][character['shirt']]
    trousers = ATTRIBUTES['trousers'][character['trousers']]
    hair = ATTRIBUTES['hair'][character['hair']]
    cx = 32.0
    hip_y = 39.0 - lift
    neck_y = hip_y - 14.0
    head = (cx, neck_y - 6.0)

    if lift < -4:  # a stool under the sitter, drawn behind the figure
        d.rectangle([cx - 6, hip_y + 2, cx + 10, hip_y + 4], fill=(120, 78, 44))
        d.rectangle([cx - 5, hip_y + 4, cx - 3, hip_y + 14], fill=(120, 78, 44))
        d.rectangle([cx + 7, hip_y + 4, cx + 9, hip_y + 14], fill=(120, 78, 44))

    for hx, ha, ka in [(cx - 3, hip_l, kn_l), (cx + 3, hip_r, kn_r)]:
        knee = _limb(d, (hx, hip_y), ha, 9.0, 5, trousers)
        foot = _limb(d, knee, ha + ka, 9.0, 5, trousers)
        d.ellipse([foot[0] - 3, foot[1] - 1, foot[0] + 3, foot[1] + 2], fill=(44, 30, 24))

    d.rectangle([cx - 6, neck_y, cx + 6, hip_y + 1], fill=shirt)
    for sx, sa, ea in [(cx - 5, sh_l, el_l), (cx + 5, sh_r, el_r)]:
        elbow = _limb(d, (sx, neck_y + 2), sa, 7.0, 4, shirt)
        hand = _limb(d, elbow, sa + ea, 7.0, 3, skin)
        d.ellipse([hand[0] - 2, hand[1] - 2, hand[0] + 2, hand[1] + 2], fill=skin)

    hx, hy = head
    d.ellipse([hx - 7, hy - 7, hx + 7, hy + 5], fill=hair)       # hair behind the face
    d.ellipse([hx - 5.5, hy - 4, hx + 5.5, hy + 6], fill=skin)   # face
    d.chord([hx - 6, hy - 7, hx + 6, hy + 1], 180, 360, fill=hair)  # fringe
    d.point([(hx - 2, hy + 1), (hx + 2, hy + 1)], fill=(20, 20, 20))
    hat = character['hat']
    if hat == 'cap':
        color = ATTRIBUTES['hat']['cap']
        d.chord([hx - 7, hy - 9, hx + 7, hy + 1], 180, 360, fill=color)
        d.rectangle([hx, hy - 4, hx + 10, hy - 3], fill=color)
    elif hat == 'tophat':
        color = ATTRIBUTES['hat']['tophat']
        d.rectangle([hx - 9, hy - 6, hx + 9, hy - 5], fill=color)
        d.rectangle([hx - 5, hy - 16, hx + 5, hy - 6], fill=color)
        d.rectangle([hx - 5, hy - 9, hx + 5, hy - 8], fill=(200, 30, 40))
    return np.asarray(img, dtype=np.uint8)


# --- prompts -------------------------------------------------------------------------------

NOUNS = ['a person', 'a girl', 'a boy', 'a kid', 'someone']
HAT_PHRASES = {'none': 'with no hat', 'cap': 'wearing a cap', 'tophat': 'wearing a top hat'}


def character_phrase(character, mention, rng=None):
    """Describes a character, naming only the attributes in `mention` (a set of names)."""
    rng = rng or random.Random(0)
    parts = []
    if 'hair' in mention:
        parts.append(f"with {character['hair']} hair")
    if 'skin' in mention:
        parts.append(f"with {character['skin']} skin")
    if 'shirt' in mention and 'trousers' in mention:
        parts.append(f"in a {character['shirt']} shirt and {character['trousers']} trousers")
    elif 'shirt' in mention:
        parts.append(f"in a {character['shirt']} shirt")
    elif 'trousers' in mention:
        parts.append(f"in {character['trousers']} trousers")
    if 'hat' in mention:
        parts.append(HAT_PHRASES[character['hat']])
    rng.shuffle(parts)
    return ' '.join([rng.choice(NOUNS)] + parts)


def panel_phrase(action, setting):
    """The per-panel part of a prompt: what the character does and where."""
    words = []
    if action is not None:
        words.append(action)
    if setting is not None:
        words.append(SETTING_PHRASES[setting])
    return ' '.join(words)


def prompt_of(character, mention, action, setting, rng=None):
    """A full prompt as the story pipeline builds it: `character, panel text`."""
    return f'{character_phrase(character, mention, rng)}, {panel_phrase(action, setting)}'


def vocabulary():
    """Every word the prompts use; ids follow the special tokens."""
    words = set()
    for noun in NOUNS:
        words.update(noun.split())
    for phrase in HAT_PHRASES.values():
        words.update(phrase.split())
    for phrase in SETTING_PHRASES.values():
        words.update(phrase.split())
    for values in ATTRIBUTE_VALUES.values():
        words.update(values)
    words.update(ACTIONS)
    words.update(['with', 'hair', 'skin', 'in', 'a', 'shirt', 'and', 'trousers', 'hat'])
    words.discard('none')
    words.discard('tophat')
    words.discard('cap')
    words.add('cap')
    return ['<pad>', '<bos>', '<eos>', '<unk>'] + sorted(words)
