/**
 * gIoU / cIoU with per-question Hungarian matching (PixelLM's MUSE evaluation).
 *
 * Predicted masks are matched one-to-one to true masks by maximum total IoU; a mask without a
 * partner is matched to an empty mask (IoU 0). A question's gIoU is the sum of matched IoUs over
 * max(#predicted, #true), and 1 when both are empty (a "none" question answered with nothing).
 * gIoU averages over questions; cIoU is the total intersection over the total union.
 * `gpu-service/training/pixel/metrics.py` implements the same rules.
 */
import type { BinaryMask } from '../../../shared/src/rle.js';

/** Minimum-cost assignment (Kuhn–Munkres, O(n³)); returns [row, column] pairs. */
export function hungarian(cost: number[][]): Array<[number, number]> {
  const rows = cost.length;
  const cols = rows ? cost[0].length : 0;
  const n = Math.max(rows, cols);
  const a = (i: number, j: number) => (i <= rows && j <= cols ? cost[i - 1][j - 1] : 0);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = a(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
        if (minv[j] < delta) { delta = minv[j]; j1 = j; }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) { u[p[j]] += delta; v[j] -= delta; } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const pairs: Array<[number, number]> = [];
  for (let j = 1; j <= n; j++) {
    if (p[j] > 0 && p[j] <= rows && j <= cols) pairs.push([p[j] - 1, j - 1]);
  }
  return pairs;
}

function area(m: BinaryMask): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i];
  return s;
}

function intersection(a: BinaryMask, b: BinaryMask): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] & b.data[i];
  return s;
}

export interface QuestionScore {
  gIoU: number;
  intersection: number;
  union: number;
}

/** Scores one question's predicted masks against its true masks (all of one size). */
export function scoreQuestion(preds: BinaryMask[], truths: BinaryMask[]): QuestionScore {
  if (preds.length === 0 && truths.length === 0) return { gIoU: 1, intersection: 0, union: 0 };
  const ap = preds.map(area);
  const at = truths.map(area);
  let union = ap.reduce((s, x) => s + x, 0) + at.reduce((s, x) => s + x, 0);
  let inter = 0;
  let iouSum = 0;
  if (preds.length && truths.length) {
    const I = preds.map((p) => truths.map((t) => intersection(p, t)));
    const iou = I.map((row, r) => row.map((x, c) => {
      const u = ap[r] + at[c] - x;
      return u > 0 ? x / u : 0;
    }));
    for (const [r, c] of hungarian(iou.map((row) => row.map((x) => -x)))) {
      iouSum += iou[r][c];
      inter += I[r][c];
      union -= I[r][c];
    }
  }
  return { gIoU: iouSum / Math.max(preds.length, truths.length), intersection: inter, union };
}

export interface Summary {
  gIoU: number;
  cIoU: number;
  count: number;
}

export interface EvalReport extends Summary {
  byFamily: Record<string, Summary>;
  byTargets: Record<string, Summary>;
  /** Share of questions whose answer words (codebook groups as `{seg}`) equal the reference. */
  exactAnswer: number;
  /** Share of questions without targets answered with no target; null when there are none. */
  noneAccuracy: number | null;
}

interface Row {
  family: string;
  truths: number;
  preds: number;
  score: QuestionScore;
  exact: boolean;
}

/** '0', '1', '2' or '3+': the bucket for a number of true targets. */
export function targetBucket(n: number): string {
  return n >= 3 ? '3+' : String(n);
}

function summarise(rows: Row[]): Summary {
  const inter = rows.reduce((s, r) => s + r.score.intersection, 0);
  const union = rows.reduce((s, r) => s + r.score.union, 0);
  const g = rows.reduce((s, r) => s + r.score.gIoU, 0);
  return { gIoU: rows.length ? g / rows.length : 0, cIoU: union > 0 ? inter / union : 1,
    count: rows.length };
}

/** Collects per-question results and reports them overall, by family and by target count. */
export class Tally {
  private readonly rows: Row[] = [];

  add(family: string, truths: number, preds: number, score: QuestionScore, exact: boolean): void {
    this.rows.push({ family, truths, preds, score, exact });
  }

  report(): EvalReport {
    const rows = this.rows;
    const families = [...new Set(rows.map((r) => r.family))].sort();
    const byFamily: Record<string, Summary> = {};
    for (const f of families) byFamily[f] = summarise(rows.filter((r) => r.family === f));
    const byTargets: Record<string, Summary> = {};
    for (const b of ['0', '1', '2', '3+']) {
      const sel = rows.filter((r) => targetBucket(r.truths) === b);
      if (sel.length) byTargets[b] = summarise(sel);
    }
    const none = rows.filter((r) => r.truths === 0);
    return {
      ...summarise(rows),
      byFamily,
      byTargets,
      exactAnswer: rows.length ? rows.filter((r) => r.exact).length / rows.length : 0,
      noneAccuracy: none.length ? none.filter((r) => r.preds === 0).length / none.length : null,
    };
  }
}
