import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The files `npm run build` writes for the dashboard (scripts/build-web.js): one flat directory. */
export interface StaticFile {
  body: Buffer;
  /** The build's gzip of the same file, when present. */
  gzip: Buffer | null;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Only plain names of the build's own kinds of file: no directories, no dot files, nothing else on disk. */
const SERVABLE = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/** dist/web of the package this file belongs to (found from src/… under ts-jest and from dist/src/… when built). */
export function defaultWebDir(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist', 'web');
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('dist', 'web');
    dir = parent;
  }
}

/**
 * Reads built files once per modification (a rebuild is picked up without a restart). Answers null for a
 * name that is not servable or not built.
 */
export class StaticFiles {
  private readonly cache = new Map<string, { mtimeMs: number; size: number; file: StaticFile }>();

  constructor(readonly dir: string) {}

  get(name: string): StaticFile | null {
    if (!SERVABLE.test(name) || name.endsWith('.gz')) return null;
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (!contentType) return null;
    const full = path.join(this.dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      return null;
    }
    if (!stat.isFile()) return null;
    const cached = this.cache.get(name);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.file;
    const body = fs.readFileSync(full);
    let gzip: Buffer | null = null;
    try {
      const gzStat = fs.statSync(`${full}.gz`);
      // A stale .gz (older than its file) would serve an old version to browsers that accept gzip.
      if (gzStat.mtimeMs >= stat.mtimeMs) gzip = fs.readFileSync(`${full}.gz`);
    } catch {
      gzip = null;
    }
    const file: StaticFile = { body, gzip, contentType, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"` };
    this.cache.set(name, { mtimeMs: stat.mtimeMs, size: stat.size, file });
    return file;
  }
}
