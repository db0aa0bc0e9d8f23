import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * COPY … FROM STDIN fed by `chunks` (text-format lines, or blocks of them), with stream backpressure so a
 * million rows never sit in memory as one string. Returns the rows PostgreSQL reports.
 */
export async function copyIn(
  client: PoolClient,
  copySql: string,
  chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>,
): Promise<number> {
  const sink = client.query(copyFrom(copySql));
  await pipeline(Readable.from(chunks, { objectMode: false }), sink);
  return Number((sink as unknown as { rowCount?: number }).rowCount ?? 0);
}

/** A number for COPY text format: `\N` for NULL/NaN/±Infinity. */
export function copyNum(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '\\N' : String(v);
}

/** Batches of `size` lines produced by `line(i)` for i in [0, n), each batch one string ending in a newline. */
export function* linesInBatches(n: number, line: (i: number) => string, size = 5000): Generator<string> {
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    const parts: string[] = new Array(end - start);
    for (let i = start; i < end; i++) parts[i - start] = line(i);
    yield `${parts.join('\n')}\n`;
  }
}
