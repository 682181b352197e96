/**
 * Mask colours of the playground: the segment at answer position i is drawn in
 * `MASK_COLORS[i % MASK_COLORS.length]`, blended over the image with `MASK_ALPHA`.
 */

/** RGB, far apart from each other so that overlapping masks stay distinguishable. */
export const MASK_COLORS: readonly (readonly [number, number, number])[] = [
  [230, 25, 75],
  [60, 180, 75],
  [67, 99, 216],
  [245, 130, 49],
  [145, 30, 180],
  [66, 212, 244],
  [240, 50, 230],
  [191, 239, 69],
];

/** Opacity of a mask over the image. */
export const MASK_ALPHA = 0.55;

/** The palette as an ES module for the page. */
export function paletteModule(): string {
  return `export const MASK_COLORS = ${JSON.stringify(MASK_COLORS)};\n`
    + `export const MASK_ALPHA = ${MASK_ALPHA};\n`;
}
