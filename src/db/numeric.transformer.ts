import type { ValueTransformer } from 'typeorm';

/** pg returns numeric (and bigint) as strings to avoid precision loss; money here fits a double. */
export const numeric: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null): number | null => (v === null || v === undefined ? null : Number(v)),
};
