"""Image and mask resampling shared by training, export and eval.

`resize` is separable: every output pixel averages ceil(scale) bilinear samples per axis, spread
over its footprint (plain bilinear when enlarging). `gpu-service/src/pixel/resample.ts`
implements the same weights, so Python and TypeScript see the same model input.
"""
import math

import numpy as np

MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)


def round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def axis_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix of resampling weights along one axis."""
    scale = n_in / n_out
    k = max(1, math.ceil(scale - 1e-9))
    w = np.zeros((n_out, n_in), np.float64)
    for o in range(n_out):
        for t in range(k):
            pos = o * scale + (t + 0.5) * scale / k - 0.5
            pos = min(max(pos, 0.0), n_in - 1.0)
            i0 = int(math.floor(pos))
            i1 = min(i0 + 1, n_in - 1)
            f = pos - i0
            w[o, i0] += (1 - f) / k
            w[o, i1] += f / k
    return w


def resize(arr: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resamples an (H, W) or (H, W, C) float array to (height, width[, C])."""
    h, w = arr.shape[:2]
    if (h, w) == (height, width):
        return arr.astype(np.float64)
    wy, wx = axis_weights(h, height), axis_weights(w, width)
    out = np.tensordot(wy, arr.astype(np.float64), axes=(1, 0))
    out = np.tensordot(wx, out, axes=(1, 1))
    return np.swapaxes(out, 0, 1)


def content_size(width: int, height: int, size: int):
    scale = size / max(width, height)
    return (max(1, round_half_up(width * scale)), max(1, round_half_up(height * scale)))


def preprocess(image: np.ndarray, size: int = 64):
    """uint8 HWC RGB → (float32 [3, size, size] normalised, zero-padded; content (w, h))."""
    h, w = image.shape[:2]
    cw, ch = content_size(w, h, size)
    pixels = resize(image.astype(np.float64), cw, ch) / 255.0
    out = np.zeros((3, size, size), np.float32)
    for c in range(3):
        out[c, :ch, :cw] = (pixels[:, :, c] - MEAN[c]) / STD[c]
    return out, (cw, ch)


def logits_to_mask(logits: np.ndarray, content, width: int, height: int) -> np.ndarray:
    """S×S mask logits → bool mask at the original size (crop the content, resize, > 0)."""
    cw, ch = content
    crop = logits[:ch, :cw]
    return resize(crop, width, height) > 0
