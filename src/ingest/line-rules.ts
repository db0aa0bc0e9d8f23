/**
 * The rules every importer applies to its input, kept in one place so that a transaction log and the Olist
 * files are judged alike. A file-level fault (bytes that are not text in the declared encoding, a repeated
 * header name) refuses the file; a line-level fault rejects the line, which is counted with its line number
 * and weighed by `--max-reject-rate`. Nothing is repaired on the importer's own guess.
 */
import { ImportError } from './import-error';

/**
 * How the file's bytes are text. utf8 (the default) is checked, never patched: a byte sequence that is not
 * UTF-8 refuses the file naming its line, because replacing it with U+FFFD would merge distinct names
 * ("José" and "Josê" in Latin-1 both become "Jos\uFFFD"). Latin-1 and Windows-1252 exports are read by asking
 * for them; every byte sequence is valid in them, so only the caller can know they are meant.
 */
export type Encoding = 'utf8' | 'latin1' | 'windows-1252';
export const ENCODINGS: readonly Encoding[] = ['utf8', 'latin1', 'windows-1252'];

/**
 * Longest id (customer, order, product, seller, review, account), in characters. Real ids are far shorter
 * (Olist's are 32 hex digits); anything longer is a field swallowed by a misplaced quote or hostile input,
 * and would bloat every index that holds it.
 */
export const MAX_ID_LENGTH = 200;

/**
 * Event dates (purchases, approvals, deliveries, reviews) may lie at most this far after the import: a
 * little slack for clocks and time zones. Later ones are typos (2099) that would move the default as-of date
 * and with it every recency. Planned dates (estimated delivery, shipping limit) are exempt.
 */
export const FUTURE_SLACK = '1 day';

/** A field holding a NUL byte: PostgreSQL text cannot store it, and dropping it silently would change the id. */
export const NUL_REASON = 'NUL byte in a field';

export const tooLongReason = (what: string): string => `${what} longer than ${MAX_ID_LENGTH} characters`;
export const futureReason = (what: string): string => `${what} later than the import time + ${FUTURE_SLACK}`;

/** SQL: the id text `x` is over the limit. */
export const sqlTooLong = (x: string): string => `length(${x}) > ${MAX_ID_LENGTH}`;
/** SQL: the timestamp `ts` lies after the import (the transaction's start) plus the slack. */
export const sqlInFuture = (ts: string): string => `${ts} > now() + interval '${FUTURE_SLACK}'`;

/** A header (or a --columns list) naming one column twice cannot be mapped: refuse the file, naming it. */
export function assertDistinctNames(file: string, names: string[], fromHeaderRow: boolean): void {
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    if (n === '') return;
    const first = seen.get(n);
    if (first !== undefined) {
      throw new ImportError(
        `the column name is repeated (columns ${first + 1} and ${i + 1}); rename one so the mapping is unambiguous`,
        file,
        fromHeaderRow ? 1 : undefined,
        n,
      );
    }
    seen.set(n, i);
  });
}

/** The warning for a file that holds no data row (only its header, or nothing at all). */
export function noRowsWarning(file: string, hasHeaderRow: boolean): string {
  return `${file}: ${hasHeaderRow ? 'the file has a header and no rows' : 'the file has no rows'}; nothing was imported from it`;
}
