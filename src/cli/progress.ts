import cliProgress from 'cli-progress';
import type { ProgressEvent, ProgressFn } from '../shared/progress';

/**
 * A ProgressFn for the terminal: a bar per step on a TTY, plain periodic lines otherwise (CI logs, pipes).
 * Call `stop()` when the work ends.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressFn & { stop(): void } {
  const tty = Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let step = '';
  let lastLine = 0;
  let lastPct = -1;

  const finishBar = () => {
    bar?.stop();
    bar = undefined;
  };

  const fn = ((e: ProgressEvent) => {
    if (e.step !== step) {
      finishBar();
      step = e.step;
      lastPct = -1;
      lastLine = 0;
      if (tty && e.total) {
        bar = new cliProgress.SingleBar(
          { format: `${e.step.padEnd(24)} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.total, 0);
      }
    }
    if (bar) {
      if (e.total && e.total !== bar.getTotal()) bar.setTotal(e.total);
      bar.update(e.done);
      return;
    }
    // Plain lines: at most one every 2 s or per 10%, and always the last.
    const now = Date.now();
    const pct = e.total ? Math.floor((e.done / e.total) * 10) : -1;
    const last = e.total !== undefined && e.done >= e.total;
    if (last || now - lastLine >= 2000 || (pct >= 0 && pct > lastPct)) {
      lastLine = now;
      lastPct = pct;
      const of = e.total ? `/${e.total} (${Math.round((e.done / e.total) * 100)}%)` : '';
      stream.write(`${e.step}: ${e.done}${of}\n`);
    }
  }) as ProgressFn & { stop(): void };
  fn.stop = finishBar;
  return fn;
}
