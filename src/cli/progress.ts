// Progress output of a training run: a redrawn bar on a terminal, plain lines otherwise, nothing when quiet.

import type { TrainProgress } from "../pinn/train.js";

/** Where the CLI writes; `isTTY` selects the redrawn bar. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Seconds between two redraws of the bar. */
const BAR_INTERVAL_SECONDS = 0.1;
/** Plain-line mode prints one line per this fraction of the run. */
const LINE_FRACTION = 0.1;
const BAR_WIDTH = 24;

/** Reports the progress of one run; `finish` ends its line. */
export interface ProgressReporter {
  update(progress: TrainProgress): void;
  finish(summary: string): void;
}

/** Creates the reporter for `stream`: a bar on a TTY, plain lines otherwise, nothing when quiet. */
export function createProgressReporter(
  stream: OutputStream,
  label: string,
  quiet: boolean,
): ProgressReporter {
  if (quiet) return { update: () => undefined, finish: () => undefined };
  return stream.isTTY === true ? new BarReporter(stream, label) : new LineReporter(stream, label);
}

class BarReporter implements ProgressReporter {
  private lastDraw = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stream: OutputStream,
    private readonly label: string,
  ) {}

  update(progress: TrainProgress): void {
    if (progress.elapsedSeconds - this.lastDraw < BAR_INTERVAL_SECONDS) return;
    this.lastDraw = progress.elapsedSeconds;

    const fraction = Math.min(1, (progress.step + 1) / Math.max(progress.totalSteps, 1));
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
    const eta = fraction > 0 ? (progress.elapsedSeconds * (1 - fraction)) / fraction : Number.NaN;
    this.stream.write(
      `\r\x1b[2K${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${progress.phase} ${progress.step + 1}/${progress.totalSteps} loss ${formatLoss(progress.loss)} ETA ${formatSeconds(eta)}`,
    );
  }

  finish(summary: string): void {
    this.stream.write(`\r\x1b[2K${this.label} ${summary}\n`);
  }
}

class LineReporter implements ProgressReporter {
  private nextFraction = LINE_FRACTION;

  constructor(
    private readonly stream: OutputStream,
    private readonly label: string,
  ) {}

  update(progress: TrainProgress): void {
    const fraction = (progress.step + 1) / Math.max(progress.totalSteps, 1);
    if (fraction + 1e-12 < this.nextFraction) return;
    while (this.nextFraction <= fraction + 1e-12) this.nextFraction += LINE_FRACTION;
    this.stream.write(
      `${this.label} ${progress.phase} step ${progress.step + 1}/${progress.totalSteps} loss ${formatLoss(progress.loss)} elapsed ${formatSeconds(progress.elapsedSeconds)}\n`,
    );
  }

  finish(summary: string): void {
    this.stream.write(`${this.label} ${summary}\n`);
  }
}

/** Formats a loss with three significant digits. */
export function formatLoss(value: number): string {
  return Number.isFinite(value) ? value.toExponential(2) : String(value);
}

/** Formats seconds as "12.3s" or "2m05s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds - minutes * 60)).padStart(2, "0")}s`;
}
