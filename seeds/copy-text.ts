/**
 * PostgreSQL COPY text format, written by hand for speed: tab-separated, `\N` for NULL, backslash, tab,
 * newline and carriage return escaped in text values.
 */

export const NULL = '\\N';

/** Escapes a text value for COPY text format; null/undefined → `\N`. */
export function copyText(v: string | null | undefined): string {
  if (v === null || v === undefined) return NULL;
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (ch) => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r')) : v;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** Integer cents (≥ 0) → 'units.cc'. */
export function cents(c: number): string {
  const u = Math.floor(c / 100);
  return `${u}.${PAD2[c - u * 100]}`;
}

const BLOCK = 1 << 18;

/**
 * The rows of one table for one chunk, encoded straight into 256 KiB UTF-8 blocks: a chunk's memory is its
 * bytes, not millions of small strings, and a COPY stream takes the blocks one at a time (with backpressure).
 */
export class TableBuffer {
  rows = 0;
  private blocks: Buffer[] = [];
  private block: Buffer | undefined;
  private pos = 0;

  push(line: string): void {
    this.rows++;
    const worst = line.length * 3; // UTF-8 bytes per UTF-16 code unit, at most
    if (!this.block || this.pos + worst > BLOCK) {
      this.seal();
      if (worst > BLOCK) {
        this.blocks.push(Buffer.from(line, 'utf8'));
        return;
      }
      this.block = Buffer.allocUnsafe(BLOCK);
    }
    this.pos += this.block.write(line, this.pos, 'utf8');
  }

  /** Hands over the encoded rows and empties the buffer. */
  take(): Buffer[] {
    this.seal();
    const out = this.blocks;
    this.blocks = [];
    this.rows = 0;
    return out;
  }

  private seal(): void {
    if (this.block && this.pos > 0) this.blocks.push(this.block.subarray(0, this.pos));
    this.block = undefined;
    this.pos = 0;
  }
}
