import cliProgress from 'cli-progress';

/**
 * A progress bar with rows/s and ETA on a terminal (stderr, so JSON on stdout stays
 * clean); silent when stderr is not a terminal.
 */
export function progressBar(unit: string) {
  const enabled = process.stderr.isTTY === true;
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update: (done: number, total: number) => {
      if (!enabled) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { rate: 0 });
      }
      bar.setTotal(total);
      bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
    },
    stop: () => bar?.stop(),
  };
}
