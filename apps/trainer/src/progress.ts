/** A one-line progress bar with images/s and ETA; on a non-terminal it prints a line every few seconds. */
export class ProgressBar {
  private done = 0;
  private images = 0;
  private readonly start = Date.now();
  private lastPrint = 0;

  constructor(
    private readonly title: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = stream.isTTY ? 100 : 10_000,
  ) {}

  /** Advances by one step of `images` images; `extra` is shown after the rate (e.g. the loss). */
  tick(images: number, extra = ''): void {
    this.done++;
    this.images += images;
    const now = Date.now();
    if (now - this.lastPrint >= this.intervalMs || this.done === this.total) {
      this.lastPrint = now;
      this.print(extra);
    }
  }

  /** Images per second so far. */
  get rate(): number {
    return this.images / Math.max(1e-3, (Date.now() - this.start) / 1000);
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.start) / 1000;
  }

  private print(extra: string): void {
    const fraction = this.total ? this.done / this.total : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const elapsed = this.elapsedSeconds;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    const line = `${this.title} ${bar} ${this.done}/${this.total} ${this.rate.toFixed(1)} img/s ETA ${formatDuration(eta)}${extra ? ` ${extra}` : ''}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\u001b[K${this.done === this.total ? '\n' : ''}`);
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  if (h > 48) return `${(h / 24).toFixed(1)} days`;
  const two = (n: number) => String(n).padStart(2, '0');
  const minutes = `${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return h ? `${h}:${minutes}` : minutes;
}
