import { ArgsType, Field, Int } from 'type-graphql';
import { badInput } from '../../shared/errors';
import { decodeCursor, type Cursor } from './cursor';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Forward pagination arguments. Extend it for a connection's own filters: `class CustomerArgs extends PageArgs`. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return the rows after this cursor (a previous page\'s endCursor).' })
  after?: string | null;
}

/** `first` checked: default 50; below 1 or above 500 is BAD_USER_INPUT naming `first`. */
export function parseFirst(first: number | null | undefined, argument = 'first'): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`${argument} must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${first})`, { argument });
  }
  return first;
}

export interface PageRequest {
  /** Rows to return (query `limit + 1` to learn whether another page follows). */
  limit: number;
  after: Cursor | null;
}

/** Validates both arguments up front; `sort` ties cursors to one ordering (see decodeCursor). */
export function parsePageArgs(args: { first?: number | null; after?: string | null }, opts: { sort?: string } = {}): PageRequest {
  const limit = parseFirst(args.first);
  const after = args.after === null || args.after === undefined ? null : decodeCursor(args.after, { argument: 'after', sort: opts.sort });
  return { limit, after };
}
