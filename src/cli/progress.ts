// Progress output of a training run: a redrawn bar on a terminal, plain lines otherwise, nothing when quiet.

import type { TrainProgress } from "../pinn/train.js";

/** An output stream of the CLI; `isTTY` selects the redrawn bar. */
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

/** Progress of several runs that may train at the same time; one reporter per run. */
export interface ProgressBoard {
  reporter(index: number): ProgressReporter;
}

const SILENT: ProgressReporter = { update: () => undefined, finish: () => undefined };

/**
 * Creates the progress output for runs labelled `labels`: on a TTY one redrawn bar per run,
 * otherwise plain lines every tenth of a run, and nothing when quiet.
 */
export function createProgressBoard(
  stream: OutputStream,
  labels: readonly string[],
  quiet: boolean,
): ProgressBoard {
  if (quiet) return { reporter: () => SILENT };
  if (stream.isTTY === true) return new BarBoard(stream, labels);
  const reporters = labels.map((label) => new LineReporter(stream, label));
  return { reporter: (index) => reporters[index] };
}

/** Redraws one line per run in place, at most every BAR_INTERVAL_SECONDS. */
class BarBoard implements ProgressBoard {
  private readonly lines: string[];
  private drawnLines = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stream: OutputStream,
    private readonly labels: readonly string[],
  ) {
    this.lines = labels.map((label) => `${label} waiting`);
  }

  reporter(index: number): ProgressReporter {
    return {
      update: (progress) => {
        this.lines[index] = barLine(this.labels[index], progress);
        this.draw(false);
      },
      finish: (summary) => {
        this.lines[index] = `${this.labels[index]} ${summary}`;
        this.draw(true);
      },
    };
  }

  private draw(force: boolean): void {
    const now = performance.now() / 1000;
    if (!force && now - this.lastDraw < BAR_INTERVAL_SECONDS) return;
    this.lastDraw = now;

    // Move back to the first line drawn before, then rewrite every line.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : "";
    const body = this.lines.map((line) => `\r\x1b[2K${line}\n`).join("");
    this.stream.write(`${up}${body}`);
    this.drawnLines = this.lines.length;
  }
}

function barLine(label: string, progress: TrainProgress): string {
  const fraction = Math.min(1, (progress.step + 1) / Math.max(progress.totalSteps, 1));
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
  const eta = fraction > 0 ? (progress.elapsedSeconds * (1 - fraction)) / fraction : Number.NaN;
  const percent = (fraction * 100).toFixed(0).padStart(3);
  return `${label} ${bar} ${percent}% ${progress.phase} ${progress.step + 1}/${progress.totalSteps} loss ${formatLoss(progress.loss)} ETA ${formatSeconds(eta)}`;
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
