/**
 * A one-line progress bar for a terminal (redrawn in place) that falls back to one line per
 * change of stage when the output is not a terminal, so logs of scripts stay readable.
 */

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** `[#####.....]  50% label`, the bar `width` characters wide. */
export function renderBar(done: number, total: number, label: string, width = 30): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * width);
  const percent = `${Math.round(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent} ${label}`;
}

export class ProgressBar {
  private lastStage = '';
  private drawn = false;

  constructor(private readonly out: ProgressOutput, private total: number) {}

  /** Changes the expected number of steps (when the server says more than was guessed). */
  grow(total: number): void {
    this.total = Math.max(this.total, total);
  }

  /** Shows `done` of the total with what is happening now. */
  update(done: number, stage: string, detail: string): void {
    const line = renderBar(done, this.total, `${stage} ${detail}`.trim());
    if (this.out.isTTY) {
      const width = (this.out.columns ?? 80) - 1;
      this.out.write(`\r${line.slice(0, width).padEnd(width)}`);
      this.drawn = true;
    } else if (stage !== this.lastStage) {
      this.out.write(`${line}\n`);
    }
    this.lastStage = stage;
  }

  /** Ends the bar's line so what follows starts on its own line. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
