import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { ImportError } from './import-error';
import type { Encoding } from './line-rules';

/**
 * Checks that a byte stream is UTF-8 and passes it on unchanged, in chunks that never split a character.
 * The first invalid sequence stops the stream with an ImportError naming its physical line (no multi-byte
 * sequence contains a newline byte, so lines can be checked one by one).
 */
class Utf8Check extends Transform {
  private line = 1;
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly file: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    // Hold back a character cut by the chunk boundary: the last lead byte whose sequence runs past the end.
    let end = buf.length;
    let i = buf.length - 1;
    while (i >= 0 && i > buf.length - 4 && (buf[i] & 0xc0) === 0x80) i--;
    if (i >= 0 && buf[i] >= 0xc0) {
      const need = buf[i] >= 0xf0 ? 4 : buf[i] >= 0xe0 ? 3 : 2;
      if (i + need > buf.length) end = i;
    }
    const body = buf.subarray(0, end);
    this.carry = Buffer.from(buf.subarray(end));
    if (!isUtf8(body)) {
      cb(this.invalidAt(body));
      return;
    }
    for (let p = body.indexOf(10); p >= 0; p = body.indexOf(10, p + 1)) this.line++;
    cb(null, body);
  }

  override _flush(cb: TransformCallback): void {
    if (this.carry.length) cb(this.error(this.line, 'the file ends inside a multi-byte character'));
    else cb();
  }

  private invalidAt(body: Buffer): ImportError {
    let line = this.line;
    let start = 0;
    for (;;) {
      const nl = body.indexOf(10, start);
      const stop = nl < 0 ? body.length : nl;
      if (!isUtf8(body.subarray(start, stop))) break;
      if (nl < 0) break;
      line++;
      start = nl + 1;
    }
    return this.error(line, 'bytes that are not valid UTF-8');
  }

  private error(line: number, what: string): ImportError {
    return new ImportError(
      `${what}; if the file is Latin-1 or Windows-1252, say so with --encoding latin1 or --encoding windows-1252`,
      this.file,
      line,
    );
  }
}

/**
 * The transform that turns the file's bytes into UTF-8 text for the CSV reader: a checked pass-through for
 * utf8 (emits Buffers, each whole characters), a decoder for the single-byte encodings (emits strings).
 */
export function decoder(file: string, encoding: Encoding): Transform {
  return encoding === 'utf8' ? new Utf8Check(file) : (iconv.decodeStream(encoding) as unknown as Transform);
}
