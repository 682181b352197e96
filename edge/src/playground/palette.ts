/**
 * Mask colours of the playground: the segment at answer position i is drawn in
 * `MASK_COLORS[i % MASK_COLORS.length]`, blended over the image with `MASK_ALPHA`.
 */

/**
 * RGB, far apart from each other so that overlapping masks stay distinguishable, and apart
 * from the plain red, green, blue, orange, purple and yellow of the reference scenes so that
 * a mask shows on the object it covers.
 */
export const MASK_COLORS: readonly (readonly [number, number, number])[] = [
  [240, 50, 230],
  [0, 215, 255],
  [170, 255, 0],
  [255, 150, 190],
  [0, 128, 128],
  [255, 255, 255],
  [128, 0, 0],
  [0, 0, 128],
];

/** Opacity of a mask over the image. */
export const MASK_ALPHA = 0.55;

/** The palette as an ES module for the page. */
export function paletteModule(): string {
  return `export const MASK_COLORS = ${JSON.stringify(MASK_COLORS)};\n`
    + `export const MASK_ALPHA = ${MASK_ALPHA};\n`;
}
