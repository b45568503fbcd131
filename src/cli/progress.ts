/** The one progress-bar set-up of the CLI commands: a cli-progress bar on stderr (stdout stays for results). */
import cliProgress from 'cli-progress';

export type ProgressBar = cliProgress.SingleBar;

/** A bar with the given format (cli-progress tokens such as {bar}, {percentage}, {value}/{total}, payload keys). */
export function progressBar(format: string, options: { hideCursor?: boolean; clearOnComplete?: boolean } = {}): ProgressBar {
  return new cliProgress.SingleBar({ format, stream: process.stderr, ...options }, cliProgress.Presets.shades_classic);
}

/** A progress bar on stderr that appears only once the work has taken `afterMs` (short work prints nothing). */

export interface DelayedBar {
  /** fraction done (0..1) and what is being done */
  update(fraction: number, stage: string): void;
  stop(): void;
}

export function delayedBar(enabled: boolean, format: string, afterMs = 2000, stream: NodeJS.WriteStream = process.stderr): DelayedBar {
  if (!enabled || !stream.isTTY) return { update: () => {}, stop: () => {} };
  const started = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(fraction, stage) {
      const value = Math.max(0, Math.min(100, Math.round(100 * fraction)));
      if (!bar) {
        if (performance.now() - started < afterMs) return;
        bar = new cliProgress.SingleBar({ format, stream, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(100, value, { stage });
        return;
      }
      bar.update(value, { stage });
      // drawn now: a synchronous stretch may follow (a fit), and cli-progress would otherwise wait for its timer
      bar.render();
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
