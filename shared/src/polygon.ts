/**
 * Binary mask → polygons, in pixel coordinates (x right, y down; pixel (x, y) covers the square
 * [x, x+1] × [y, y+1], as in COCO).
 *
 * Contours are traced by marching squares on the grid of pixel corners: every side between a
 * foreground and a background pixel is a directed edge, and edges are chained into closed rings
 * with the foreground on their right. Outer boundaries therefore come out clockwise on screen
 * (positive {@link polygonArea}) and holes counter-clockwise (negative), so an even-odd fill
 * gives the mask back. Pixels that touch only at a corner belong to different rings. Rings are
 * then simplified with Douglas–Peucker. Pure TypeScript; runs in workerd.
 */

export interface PolygonOptions {
  /** Douglas–Peucker tolerance in pixels; 0 keeps the exact pixel outline. @default 1 */
  tolerance?: number;
  /** Rings whose area (in pixels) is below this are dropped. @default 1 */
  minArea?: number;
  /** Keep holes (counter-clockwise rings). COCO's polygon format has no holes. @default true */
  holes?: boolean;
}

/** A closed ring as a flat list `[x0, y0, x1, y1, …]`, first point not repeated at the end. */
export type Ring = number[];

const E = 1;
const S = 2;
const W = 4;
const N = 8;
const STEP: Record<number, [number, number]> = {
  [E]: [1, 0], [S]: [0, 1], [W]: [-1, 0], [N]: [0, -1],
};
/** The direction after a right turn (on screen, y down). */
const RIGHT: Record<number, number> = { [E]: S, [S]: W, [W]: N, [N]: E };

/**
 * Traces the outline of every region of a binary mask.
 *
 * @param mask row-major, `width * height` values; non-zero is foreground
 * @returns rings as flat `[x0, y0, x1, y1, …]` lists, outer boundaries clockwise, holes
 *   counter-clockwise, in scan order of their first corner
 * @example
 * maskToPolygons(new Uint8Array([0, 1, 1, 0]), 2, 2, { tolerance: 0 })
 * // → [[1, 0, 2, 0, 2, 1, 1, 1], [0, 1, 1, 1, 1, 2, 0, 2]]
 */
export function maskToPolygons(
  mask: Uint8Array,
  width: number,
  height: number,
  options: PolygonOptions = {},
): Ring[] {
  if (mask.length !== width * height) {
    throw new RangeError(`mask has ${mask.length} values, expected ${width}×${height}`);
  }
  const { tolerance = 1, minArea = 1, holes = true } = options;
  const all = boundaryEdges(mask, width, height);
  const out = all.slice();
  const stride = width + 1;
  const rings: Ring[] = [];

  for (let start = 0; start < out.length; start++) {
    if (out[start] === 0) continue;
    const corners = traceRing(out, all, start, stride);
    const area = polygonArea(corners);
    if (!holes && area < 0) continue;
    if (Math.abs(area) < minArea) continue;
    const simple = tolerance > 0 ? simplifyRing(corners, tolerance) : corners;
    rings.push(simple.length >= 6 ? simple : corners);
  }
  return rings;
}

/** For each pixel corner, a bit set of the directions of the boundary edges leaving it. */
function boundaryEdges(mask: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width + 1;
  const out = new Uint8Array(stride * (height + 1));
  const fg = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!fg(x, y)) continue;
      if (!fg(x, y - 1)) out[y * stride + x] |= E;
      if (!fg(x + 1, y)) out[y * stride + x + 1] |= S;
      if (!fg(x, y + 1)) out[(y + 1) * stride + x + 1] |= W;
      if (!fg(x - 1, y)) out[(y + 1) * stride + x] |= N;
    }
  }
  return out;
}

/**
 * Follows edges from `start` until the ring closes, consuming them; keeps only the corners.
 * `all` is the untouched edge set, so the turn taken at a corner does not depend on what has
 * been consumed already.
 */
function traceRing(out: Uint8Array, all: Uint8Array, start: number, stride: number): Ring {
  const ring: Ring = [];
  const first = lowestBit(out[start]);
  let vertex = start;
  let dir = first;
  let previous = 0;

  for (;;) {
    out[vertex] &= ~dir;
    if (dir !== previous) ring.push(vertex % stride, Math.floor(vertex / stride));
    previous = dir;
    const [dx, dy] = STEP[dir];
    vertex += dy * stride + dx;
    // Where two diagonal pixels meet, a corner has two ways out; the right turn keeps to the
    // pixel being traced. Everywhere else there is exactly one.
    dir = (all[vertex] & RIGHT[dir]) !== 0 ? RIGHT[dir] : lowestBit(all[vertex]);
    if (vertex === start && dir === first) break;
  }

  // The start is not a corner when the ring arrives there in the direction it leaves.
  if (previous === first) ring.splice(0, 2);
  return ring;
}

function lowestBit(bits: number): number {
  return bits & -bits;
}

/**
 * Signed area by the shoelace formula: positive for clockwise rings on screen (y down), i.e.
 * for the outer boundaries {@link maskToPolygons} returns, negative for holes.
 */
export function polygonArea(ring: Ring): number {
  let twice = 0;
  const n = ring.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    twice += ring[2 * i] * ring[2 * j + 1] - ring[2 * j] * ring[2 * i + 1];
  }
  return twice / 2;
}

/** Douglas–Peucker on a closed ring, anchored at its first point and the point farthest away. */
function simplifyRing(ring: Ring, tolerance: number): Ring {
  const n = ring.length / 2;
  if (n <= 3) return ring;
  let far = 0;
  let best = -1;
  for (let i = 1; i < n; i++) {
    const d = (ring[2 * i] - ring[0]) ** 2 + (ring[2 * i + 1] - ring[1]) ** 2;
    if (d > best) [best, far] = [d, i];
  }
  const keep = new Uint8Array(n + 1);
  keep[0] = keep[far] = keep[n] = 1;
  const point = (i: number) => [ring[2 * (i % n)], ring[2 * (i % n) + 1]];
  markKept(point, keep, 0, far, tolerance);
  markKept(point, keep, far, n, tolerance);

  const simple: Ring = [];
  for (let i = 0; i < n; i++) if (keep[i]) simple.push(ring[2 * i], ring[2 * i + 1]);
  return simple;
}

function markKept(
  point: (i: number) => number[],
  keep: Uint8Array,
  first: number,
  last: number,
  tolerance: number,
): void {
  const stack: Array<[number, number]> = [[first, last]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = point(a);
    const [bx, by] = point(b);
    const length = Math.hypot(bx - ax, by - ay) || 1;
    let worst = -1;
    let index = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = point(i);
      const d = Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length;
      if (d > worst) [worst, index] = [d, i];
    }
    if (worst > tolerance) {
      keep[index] = 1;
      stack.push([a, index], [index, b]);
    }
  }
}

/**
 * Rasterises rings with the even-odd rule, sampling each pixel at its centre: the inverse of
 * {@link maskToPolygons} (exact for tolerance 0).
 *
 * @returns row-major `width * height` mask of 0 and 1
 */
export function fillPolygons(rings: Ring[], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const crossings: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    crossings.length = 0;
    for (const ring of rings) {
      const n = ring.length / 2;
      for (let i = 0; i < n; i++) {
        const j = (i + 1) % n;
        const [x1, y1, x2, y2] = [ring[2 * i], ring[2 * i + 1], ring[2 * j], ring[2 * j + 1]];
        if ((y1 <= cy) === (y2 <= cy)) continue;
        crossings.push(x1 + ((cy - y1) / (y2 - y1)) * (x2 - x1));
      }
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const from = Math.max(0, Math.ceil(crossings[k] - 0.5));
      const to = Math.min(width - 1, Math.ceil(crossings[k + 1] - 0.5) - 1);
      for (let x = from; x <= to; x++) mask[y * width + x] ^= 1;
    }
  }
  return mask;
}
