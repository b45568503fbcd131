/** The one progress-bar set-up of the CLI commands: a cli-progress bar on stderr (stdout stays for results). */
import cliProgress from 'cli-progress';

export type ProgressBar = cliProgress.SingleBar;

/** A bar with the given format (cli-progress tokens such as {bar}, {percentage}, {value}/{total}, payload keys). */
export function progressBar(format: string, options: { hideCursor?: boolean; clearOnComplete?: boolean } = {}): ProgressBar {
  return new cliProgress.SingleBar({ format, stream: process.stderr, ...options }, cliProgress.Presets.shades_classic);
}
