import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Median of numbers (benchmarks quote medians, not means). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `runs` times and returns each duration in ms. */
export async function timeRuns(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} × ${cpu} · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version}`;
}

const RESULTS = path.resolve(__dirname, '../../bench/RESULTS.md').replace(`${path.sep}dist${path.sep}bench`, `${path.sep}bench`);

/**
 * Replaces (or appends) the section `## <title>` of bench/RESULTS.md with `body`, stamped with the machine and
 * date, so each benchmark owns its section and reruns overwrite it.
 */
export function writeSection(title: string, body: string): void {
  const file = fs.existsSync(path.resolve(process.cwd(), 'bench')) ? path.resolve(process.cwd(), 'bench/RESULTS.md') : RESULTS;
  const head = '# Benchmark results\n\nWritten by `npm run bench`; each section is replaced when its benchmark reruns.\n';
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : head;
  const section = `## ${title}\n\n_${machineLine()}_\n\n${body.trim()}\n`;
  const re = new RegExp(`## ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n[\\s\\S]*?(?=\\n## |$)`);
  const next = re.test(text) ? text.replace(re, section.trimEnd()) : `${text.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
}

/** Peak resident set size of this process so far, in MiB (Linux: VmHWM). */
export function peakRssMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.memoryUsage().rss / 2 ** 20;
}

/** Resets the peak RSS counter (Linux), so a later peakRssMiB() measures only what follows. */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
