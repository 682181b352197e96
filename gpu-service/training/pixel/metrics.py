"""gIoU / cIoU with per-question Hungarian matching, as in PixelLM's MUSE evaluation.

Predicted masks are matched one-to-one to true masks by maximum total IoU; a mask left without
a partner is matched to an empty mask (IoU 0). gIoU averages, over questions, the matched IoUs
divided by max(#predicted, #true) (1 when both are empty); cIoU is the total intersection over
the total union. `gpu-service/src/pixel/metrics.ts` implements the same rules.
"""
import numpy as np


def hungarian(cost):
    """Minimum-cost assignment for a rectangular cost matrix; returns (row, col) pairs."""
    cost = np.asarray(cost, float)
    n_rows, n_cols = cost.shape
    n = max(n_rows, n_cols)
    a = np.zeros((n + 1, n + 1))
    a[1:n_rows + 1, 1:n_cols + 1] = cost
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    p, way = np.zeros(n + 1, int), np.zeros(n + 1, int)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv = np.full(n + 1, np.inf)
        used = np.zeros(n + 1, bool)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], np.inf, 0
            for j in range(1, n + 1):
                if not used[j]:
                    cur = a[i0, j] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(n + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    return [(p[j] - 1, j - 1) for j in range(1, n + 1)
            if 0 < p[j] <= n_rows and j <= n_cols]


def score_question(preds, gts):
    """preds, gts: lists of bool masks of one size → (gIoU, intersection, union)."""
    if not preds and not gts:
        return 1.0, 0, 0
    inter = np.array([[np.logical_and(p, g).sum() for g in gts] for p in preds], float)
    areas_p = np.array([p.sum() for p in preds], float)
    areas_g = np.array([g.sum() for g in gts], float)
    total_inter, total_union, iou_sum = 0.0, float(areas_p.sum() + areas_g.sum()), 0.0
    if preds and gts:
        union = areas_p[:, None] + areas_g[None, :] - inter
        iou = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
        for r, c in hungarian(-iou):
            iou_sum += iou[r, c]
            total_inter += inter[r, c]
            total_union -= inter[r, c]
    return iou_sum / max(len(preds), len(gts)), total_inter, total_union


def bucket(n):
    return '3+' if n >= 3 else str(n)


class Tally:
    """Accumulates per-question results into overall, per-family and per-target-count figures."""

    def __init__(self):
        self.rows = []

    def add(self, family, n_true, giou, inter, union, exact, n_pred):
        self.rows.append(dict(family=family, n=n_true, giou=giou, inter=inter, union=union,
                              exact=exact, n_pred=n_pred))

    @staticmethod
    def _summary(rows):
        inter = sum(r['inter'] for r in rows)
        union = sum(r['union'] for r in rows)
        return {'gIoU': float(np.mean([r['giou'] for r in rows])) if rows else 0.0,
                'cIoU': inter / union if union > 0 else 1.0, 'count': len(rows)}

    def report(self):
        rows = self.rows
        none = [r for r in rows if r['n'] == 0]
        out = self._summary(rows)
        out['byFamily'] = {f: self._summary([r for r in rows if r['family'] == f])
                           for f in sorted({r['family'] for r in rows})}
        out['byTargets'] = {b: self._summary([r for r in rows if bucket(r['n']) == b])
                            for b in ('0', '1', '2', '3+')
                            if any(bucket(r['n']) == b for r in rows)}
        out['exactAnswer'] = float(np.mean([r['exact'] for r in rows])) if rows else 0.0
        out['noneAccuracy'] = (float(np.mean([r['n_pred'] == 0 for r in none]))
                               if none else None)
        return out
