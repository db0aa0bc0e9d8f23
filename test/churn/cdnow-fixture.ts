import fs from 'node:fs';
import path from 'node:path';
import { rfmSummary } from '../../src/churn';
import type { HoldoutState } from '../../src/churn/holdout-calibration';

/** The committed CDNOW summary fixture (see test/fixtures/cdnow/README.md), in weeks. */
export interface CdnowRow {
  id: string;
  x: number;
  txDays: number;
  TDays: number;
  repeatValue: number;
}

export const CDNOW_FIXTURE = path.resolve(__dirname, '../fixtures/cdnow/summary.csv');

export function loadCdnowFixture(): CdnowRow[] {
  const lines = fs.readFileSync(CDNOW_FIXTURE, 'utf8').trim().split('\n');
  if (lines[0] !== 'id,x,tx_days,T_days,repeat_value') throw new Error(`${CDNOW_FIXTURE}: unexpected header ${lines[0]}`);
  return lines.slice(1).map((l, i) => {
    const f = l.split(',');
    const row = { id: f[0], x: Number(f[1]), txDays: Number(f[2]), TDays: Number(f[3]), repeatValue: Number(f[4]) };
    if (f.length !== 5 || ![row.x, row.txDays, row.TDays, row.repeatValue].every(Number.isFinite)) throw new Error(`${CDNOW_FIXTURE}:${i + 2}: bad row`);
    return row;
  });
}

export function cdnowRfm(rows: CdnowRow[]): { x: number[]; tx: number[]; T: number[] } {
  return { x: rows.map((r) => r.x), tx: rows.map((r) => r.txDays / 7), T: rows.map((r) => r.TDays / 7) };
}

export function cdnowSpend(rows: CdnowRow[]): { frequency: number[]; monetaryValue: number[] } {
  const rep = rows.filter((r) => r.x > 0);
  return { frequency: rep.map((r) => r.x), monetaryValue: rep.map((r) => r.repeatValue / r.x) };
}

/** Raw CDNOW_sample.txt → transactions (customer = column 2). */
export function parseCdnowSample(text: string): { customer: string; date: string; value: number }[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const f = l.trim().split(/\s+/);
      if (f.length !== 5) throw new Error(`CDNOW_sample.txt:${i + 1}: expected 5 columns, got ${f.length}`);
      return { customer: String(Number(f[1])), date: f[2], value: Number(f[4]) };
    });
}

type Tx = { customer: string; date: string; value: number };

/** Each customer's spend and number of lines up to `end` (yyyymmdd, included). */
export function spendUpTo(tx: Tx[], end: string): Map<string, { s: number; n: number }> {
  const acc = new Map<string, { s: number; n: number }>();
  for (const t of tx) {
    if (t.date > end) continue;
    const c = acc.get(t.customer) ?? { s: 0, n: 0 };
    c.s += t.value;
    c.n++;
    acc.set(t.customer, c);
  }
  return acc;
}

/** The holdout calibration's split: customers as of `end` (that day included) and whether they bought in the following `days` days. */
export function holdoutStateAt(tx: Tx[], end: string, days: number): HoldoutState {
  const rows = rfmSummary(tx, end);
  const from = end.replace(/-/g, '');
  const to = new Date(Date.parse(`${end}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const bought = new Set(tx.filter((t) => t.date > from && t.date <= to).map((t) => t.customer));
  const spend = spendUpTo(tx, from);
  return {
    x: Float64Array.from(rows, (r) => r.x),
    tx: Float64Array.from(rows, (r) => r.tx),
    T: Float64Array.from(rows, (r) => r.T),
    boughtAfter: Uint8Array.from(rows, (r) => (bought.has(r.customer) ? 1 : 0)),
    aov: Float64Array.from(rows, (r) => spend.get(r.customer)!.s / spend.get(r.customer)!.n),
  };
}
