/**
 * CSV (RFC 4180) formatting: fields holding a delimiter, quote, CR or LF (or leading/trailing blanks) are quoted
 * with quotes doubled; NULL is an empty field; numbers are JavaScript's shortest round-trip form. Text that a
 * spreadsheet would run as a formula (leading = + - @ tab CR) is prefixed with an apostrophe.
 */
export type CsvValue = string | number | boolean | Date | null | undefined;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
const FORMULA = /^[=+\-@\t\r]/;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = v instanceof Date ? v.toISOString() : v;
  if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (CRLF-terminated, as RFC 4180 has it). */
export function csvLine(values: readonly CsvValue[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += (i ? ',' : '') + csvField(values[i]);
  return `${out}\r\n`;
}
