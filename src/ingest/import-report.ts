/**
 * What an import did, as data: the service returns it, the CLI prints it, tests assert on it.
 * Invariant per file: read = loaded + Σ rejected + Σ skipped.
 */
export interface ReasonCount {
  reason: string;
  count: number;
  /** The first few (at most FIRST_LINES) source line numbers, ascending. */
  lines: number[];
}

export interface FileReport {
  file: string;
  /** The warehouse table the file's rows land in. */
  table: string;
  /** Data rows read (header excluded, blank lines included). */
  read: number;
  /** Rows that reached the warehouse (inserted, updated or already identical). */
  loaded: number;
  /** Garbage: rows that could not be understood. Counted against the reject-rate limit. */
  rejected: ReasonCount[];
  /** Rows left out on purpose (duplicates, rows without a customer, blank lines). */
  skipped: ReasonCount[];
  /** Loaded rows worth knowing about (e.g. returns). */
  notes: ReasonCount[];
  /** Which reader staged the file: PostgreSQL's COPY (clean files) or csv-parse, record by record. */
  reader: 'copy' | 'records';
}

export interface TableReport {
  table: string;
  inserted: number;
  updated: number;
  /** Rows that the import matched but that already held the same values. */
  unchanged: number;
  deleted: number;
}

/** Wall time of one phase of an import (read = parse and stage the file; the rest is SQL). */
export interface Phase {
  name: string;
  ms: number;
}

/** Records consecutive phases: each lap() closes the phase that started at the previous one. */
export class PhaseClock {
  private last = Date.now();
  readonly phases: Phase[] = [];
  lap(name: string): void {
    const now = Date.now();
    this.phases.push({ name, ms: now - this.last });
    this.last = now;
  }
}

export interface ImportReport {
  kind: 'olist' | 'transactions';
  /** Directory or file imported. */
  input: string;
  /** For transaction logs: the source name (customer.source = 'txlog:<source>'). */
  source?: string;
  files: FileReport[];
  tables: TableReport[];
  elapsedMs: number;
  phases: Phase[];
  /** Things the import did not refuse but that the user should know (e.g. a file with no rows). */
  warnings: string[];
}

export const FIRST_LINES = 5;

/** Counts occurrences of one reason and keeps the first few line numbers. */
export class Tally {
  count = 0;
  readonly lines: number[] = [];
  add(line: number): void {
    this.count++;
    if (this.lines.length < FIRST_LINES) this.lines.push(line);
  }
}

/** Reason tallies in first-seen order; `list()` drops empty ones. */
export class Tallies {
  private readonly byReason = new Map<string, Tally>();
  add(reason: string, line: number): void {
    let t = this.byReason.get(reason);
    if (!t) this.byReason.set(reason, (t = new Tally()));
    t.add(line);
  }
  get total(): number {
    let n = 0;
    for (const t of this.byReason.values()) n += t.count;
    return n;
  }
  list(): ReasonCount[] {
    return [...this.byReason].filter(([, t]) => t.count > 0).map(([reason, t]) => ({ reason, count: t.count, lines: [...t.lines] }));
  }
}

export function totalCount(rs: ReasonCount[]): number {
  return rs.reduce((s, r) => s + r.count, 0);
}

/** Merges reason lists (same reason → counts added, line lists merged and cut to FIRST_LINES). */
export function mergeReasons(...lists: ReasonCount[][]): ReasonCount[] {
  const out = new Map<string, ReasonCount>();
  for (const r of lists.flat()) {
    const prev = out.get(r.reason);
    if (!prev) out.set(r.reason, { reason: r.reason, count: r.count, lines: r.lines.slice(0, FIRST_LINES) });
    else {
      prev.count += r.count;
      prev.lines = [...new Set([...prev.lines, ...r.lines])].sort((a, b) => a - b).slice(0, FIRST_LINES);
    }
  }
  return [...out.values()].filter((r) => r.count > 0);
}

/** Plain-text rendering for the terminal. */
export function formatReport(r: ImportReport): string {
  const out: string[] = [];
  const head = r.kind === 'olist' ? `Olist import from ${r.input}` : `transaction log ${r.input} (source "${r.source}")`;
  out.push(`${head}: done in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)} s`).join(', ')})`);
  const fileRows = r.files.map((f) => ({
    file: f.file.split(/[\\/]/).pop() ?? f.file,
    table: f.table,
    read: f.read,
    loaded: f.loaded,
    rejected: totalCount(f.rejected),
    skipped: totalCount(f.skipped),
  }));
  out.push(table(fileRows));
  for (const f of r.files) {
    const name = f.file.split(/[\\/]/).pop() ?? f.file;
    for (const [kind, list] of [['rejected', f.rejected], ['skipped', f.skipped], ['note', f.notes]] as const) {
      for (const x of list) out.push(`  ${name}: ${kind} ${x.count} × ${x.reason} (first lines: ${x.lines.join(', ')})`);
    }
  }
  for (const w of r.warnings) out.push(`warning: ${w}`);
  out.push('');
  out.push(table(r.tables.map((t) => ({ ...t }))));
  return `${out.join('\n')}\n`;
}

function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '(none)';
  const cols = Object.keys(rows[0]);
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) =>
    vals.map((v, i) => (typeof rows[0][cols[i]] === 'number' ? v.padStart(w[i]) : v.padEnd(w[i]))).join('  ').trimEnd();
  return [line(cols), line(w.map((n) => '-'.repeat(n))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}
