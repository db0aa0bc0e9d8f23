import type { IncomingMessage } from 'node:http';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** "100kb" / "1mb" / "512b" → bytes (the format REQUEST_BODY_LIMIT accepts). */
export function parseByteSize(v: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(v.trim());
  if (!m) throw new Error(`not a size like 100kb or 1mb: "${v}"`);
  return Number(m[1]) * UNITS[m[2].toLowerCase()];
}

export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body exceeds the limit of ${limit} bytes (REQUEST_BODY_LIMIT)`);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * Reads the whole body, refusing it as soon as it passes `limit` bytes: at once when Content-Length says
 * so, otherwise while streaming. The rest of a refused body is drained (and the connection closed by the
 * caller) so that the client can read the 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new PayloadTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.off('data', onData);
        req.resume();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!done) resolve(Buffer.concat(chunks, size));
    });
    req.once('error', (e) => {
      if (!done) reject(e);
      done = true;
    });
  });
}
