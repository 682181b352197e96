"""The synthetic world: scenes of coloured shapes with instance masks.

A scene is laid out in the model frame (the longest side is `frame` pixels, 64 by default) and
rendered at a scale (1 or more), so that the same scene can be shown at 64×64 or larger, square
or not. Shapes are rasterised analytically at pixel centres, so masks at every scale agree with
the picture. Later shapes occlude earlier ones; an instance mask is the visible part.
"""
from dataclasses import dataclass, field

import numpy as np

COLOURS = {
    'red': (215, 45, 45),
    'orange': (240, 135, 30),
    'yellow': (225, 210, 50),
    'green': (50, 170, 70),
    'blue': (45, 95, 220),
    'purple': (150, 65, 200),
}
KINDS = ('circle', 'square', 'triangle', 'star')
SIZE_NAMES = ('small', 'medium', 'large')
# Half-extent of each size class in model-frame pixels: clear gaps, so "bigger" is unambiguous.
SIZE_RADIUS = (5.2, 7.6, 10.4)
# Centres of two shapes differ by at least this much on both axes, so "left of" is unambiguous.
MIN_AXIS_GAP = 3.0
MIN_VISIBLE = 0.6


@dataclass
class Shape:
    colour: str
    kind: str
    size: int          # index into SIZE_NAMES
    cx: float          # centre in model-frame pixels
    cy: float
    radius: float
    angle: float       # radians
    rgb: tuple = (0, 0, 0)

    @property
    def label(self) -> str:
        return f'{self.colour} {self.kind}'


@dataclass
class Scene:
    width: int          # content size in the model frame
    height: int
    shapes: list
    background: tuple
    noise: float
    seed: int
    scale: float = 1.0
    masks: list = field(default_factory=list)   # visible masks at the rendered size (bool)
    image: np.ndarray = None                    # uint8 HWC at the rendered size


def _polygon(shape: Shape) -> np.ndarray:
    """Vertices (n, 2) of a triangle, square or star, in model-frame pixels."""
    r, a = shape.radius, shape.angle
    if shape.kind == 'square':
        h = r * 0.9
        pts = np.array([[-h, -h], [h, -h], [h, h], [-h, h]])
    elif shape.kind == 'triangle':
        R = r * 1.45
        t = np.array([-90, 30, 150]) * np.pi / 180
        pts = np.stack([R * np.cos(t), R * np.sin(t) + R * 0.25], 1)
    else:
        outer, inner = r * 1.45, r * 0.62
        t = (np.arange(10) * 36 - 90) * np.pi / 180
        rad = np.where(np.arange(10) % 2 == 0, outer, inner)
        pts = np.stack([rad * np.cos(t), rad * np.sin(t) + r * 0.1], 1)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return pts @ rot.T + np.array([shape.cx, shape.cy])


def _inside_polygon(px: np.ndarray, py: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd rule for points (px, py) against a closed polygon."""
    inside = np.zeros(px.shape, bool)
    n = len(poly)
    for i in range(n):
        x0, y0 = poly[i]
        x1, y1 = poly[(i + 1) % n]
        crosses = (y0 > py) != (y1 > py)
        xint = x0 + (py - y0) * (x1 - x0) / (y1 - y0 + 1e-12)
        inside ^= crosses & (px < xint)
    return inside


def rasterise(shape: Shape, width: int, height: int, scale: float) -> np.ndarray:
    """Full (unoccluded) mask of one shape at the rendered size, sampled at pixel centres."""
    mask = np.zeros((height, width), bool)
    ext = shape.radius * 1.6
    x0 = max(int((shape.cx - ext) * scale), 0)
    x1 = min(int((shape.cx + ext) * scale) + 2, width)
    y0 = max(int((shape.cy - ext) * scale), 0)
    y1 = min(int((shape.cy + ext) * scale) + 2, height)
    if x0 >= x1 or y0 >= y1:
        return mask
    ys, xs = np.mgrid[y0:y1, x0:x1]
    px, py = (xs + 0.5) / scale, (ys + 0.5) / scale
    if shape.kind == 'circle':
        inside = (px - shape.cx) ** 2 + (py - shape.cy) ** 2 <= shape.radius ** 2
    else:
        inside = _inside_polygon(px, py, _polygon(shape))
    mask[y0:y1, x0:x1] = inside
    return mask


def _visible_masks(shapes, width, height, scale):
    full = [rasterise(s, width, height, scale) for s in shapes]
    visible = []
    for i, m in enumerate(full):
        v = m.copy()
        for later in full[i + 1:]:
            v &= ~later
        visible.append(v)
    return full, visible


def sample_layout(rng: np.random.Generator, width: int, height: int, count: int):
    """Places `count` shapes with distinct (colour, kind); returns None when it cannot."""
    combos = [(c, k) for c in COLOURS for k in KINDS]
    picks = rng.choice(len(combos), size=count, replace=False)
    shapes = []
    for p in picks:
        colour, kind = combos[p]
        for _ in range(40):
            size = int(rng.integers(0, 3))
            radius = SIZE_RADIUS[size] + rng.uniform(-0.4, 0.4)
            margin = radius * 1.1
            cx = rng.uniform(margin, width - margin)
            cy = rng.uniform(margin, height - margin)
            if any(abs(cx - s.cx) < MIN_AXIS_GAP or abs(cy - s.cy) < MIN_AXIS_GAP for s in shapes):
                continue
            # Centres must stay apart enough that occlusion leaves most of each shape visible.
            if any(np.hypot(cx - s.cx, cy - s.cy) < 0.9 * (radius + s.radius) for s in shapes):
                continue
            angle = 0.0 if kind == 'circle' else rng.uniform(-0.26, 0.26)
            jitter = rng.integers(-18, 19, size=3)
            rgb = tuple(int(v) for v in np.clip(np.array(COLOURS[colour]) + jitter, 0, 255))
            shapes.append(Shape(colour, kind, size, cx, cy, radius, angle, rgb))
            break
        else:
            return None
    return shapes


def render(scene: Scene) -> None:
    """Fills scene.image and scene.masks at the scene's scale."""
    w = int(round(scene.width * scene.scale))
    h = int(round(scene.height * scene.scale))
    rng = np.random.default_rng(scene.seed + 7919)
    img = np.empty((h, w, 3), np.float32)
    img[:] = scene.background
    full, visible = _visible_masks(scene.shapes, w, h, scene.scale)
    for s, m in zip(scene.shapes, full):
        img[m] = s.rgb
    if scene.noise > 0:
        img += rng.normal(0, scene.noise, img.shape)
    scene.image = np.clip(np.round(img), 0, 255).astype(np.uint8)
    scene.masks = visible


def make_scene(seed: int, frame: int = 64, scales=(1.0,), min_shapes=3, max_shapes=7):
    """A random scene; content sizes are mostly square, sometimes shorter on one side."""
    rng = np.random.default_rng(seed)
    while True:
        aspect = rng.random()
        short = int(rng.choice([48, 56]))
        width, height = (frame, frame) if aspect < 0.7 else (
            (frame, short) if aspect < 0.85 else (short, frame))
        count = int(rng.integers(min_shapes, max_shapes + 1))
        shapes = sample_layout(rng, width, height, count)
        if shapes is None:
            continue
        bg_level = rng.uniform(20, 95)
        background = tuple(float(np.clip(bg_level + rng.uniform(-12, 12), 0, 255))
                           for _ in range(3))
        scene = Scene(width, height, shapes, background, float(rng.uniform(0, 9)), seed,
                      float(rng.choice(scales)))
        full, visible = _visible_masks(shapes, width, height, 1.0)
        if all(v.sum() >= MIN_VISIBLE * max(f.sum(), 1) and v.sum() >= 12
               for f, v in zip(full, visible)):
            render(scene)
            return scene


def frame_masks(scene: Scene):
    """Visible masks in the model frame (scale 1), zero-padded to nothing: (height, width)."""
    if scene.scale == 1.0:
        return scene.masks
    return _visible_masks(scene.shapes, scene.width, scene.height, 1.0)[1]
