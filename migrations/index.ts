import { Warehouse1764000000000 } from './1764000000000-warehouse';

/** Every migration, in order. Listed explicitly so the same list works from TypeScript and from dist/. */
export const migrations = [Warehouse1764000000000];
