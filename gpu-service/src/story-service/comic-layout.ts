/**
 * The comic page layout: keyframes in classic comic rows (as StoryDiffusion's page), each panel
 * with a caption box under it. Pure geometry, so it is tested without drawing.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PanelBox {
  index: number;
  image: Rect;
  caption: Rect;
}

export interface PageLayout {
  width: number;
  height: number;
  columns: number;
  rows: number;
  panels: PanelBox[];
}

export interface LayoutOptions {
  /** Side of one panel's image on the page, in pixels. @default 192 */
  panelSize?: number;
  /** Height of the caption box under each image. @default 40 */
  captionHeight?: number;
  /** Space around the page and between panels. @default 12 */
  gutter?: number;
}

/** Panels per row: one row up to 3 panels, 2 for 4, then rows of 3. */
export function columnsFor(panels: number): number {
  if (panels <= 3) return Math.max(1, panels);
  return panels === 4 ? 2 : 3;
}

/**
 * Places `panels` keyframes on a page in rows, left to right, top to bottom. A short last row
 * is centred, as comic pages do.
 */
export function comicLayout(panels: number, options: LayoutOptions = {}): PageLayout {
  if (!Number.isInteger(panels) || panels < 1) {
    throw new RangeError(`a page needs at least one panel, got ${panels}`);
  }
  const size = options.panelSize ?? 192;
  const captionHeight = options.captionHeight ?? 40;
  const gutter = options.gutter ?? 12;
  const columns = columnsFor(panels);
  const rows = Math.ceil(panels / columns);
  const cellHeight = size + captionHeight;
  const width = gutter + columns * (size + gutter);
  const height = gutter + rows * (cellHeight + gutter);

  const boxes: PanelBox[] = [];
  for (let i = 0; i < panels; i++) {
    const row = Math.floor(i / columns);
    const inRow = Math.min(columns, panels - row * columns);
    const offset = ((columns - inRow) * (size + gutter)) / 2;
    const x = Math.round(gutter + offset + (i % columns) * (size + gutter));
    const y = gutter + row * (cellHeight + gutter);
    boxes.push({
      index: i,
      image: { x, y, width: size, height: size },
      caption: { x, y: y + size, width: size, height: captionHeight },
    });
  }
  return { width, height, columns, rows, panels: boxes };
}

/** Splits a caption into lines of at most `maxChars`, breaking at spaces; at most `maxLines`. */
export function wrapCaption(text: string, maxChars: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const next = line === '' ? word : `${line} ${word}`;
    if (next.length <= maxChars) {
      line = next;
      continue;
    }
    if (line !== '') lines.push(line);
    line = word.length > maxChars ? `${word.slice(0, maxChars - 1)}…` : word;
  }
  if (line !== '') lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const last = kept[maxLines - 1];
    kept[maxLines - 1] = `${last.slice(0, Math.max(0, maxChars - 1))}…`;
    return kept;
  }
  return lines;
}
