import fs from 'node:fs';
import path from 'node:path';

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
