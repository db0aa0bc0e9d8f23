/** Types of scripts/build-web.js (plain JavaScript so that `npm run build` runs it without compiling). */
export interface BuiltFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}
export declare const DEFAULT_OUT: string;
export declare function buildWeb(opts?: { outDir?: string; minify?: boolean }): Promise<{ outDir: string; files: BuiltFile[]; ms: number }>;
