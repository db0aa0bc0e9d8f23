/**
 * Errors that services throw on purpose. Each carries a code that the API maps, once, to GraphQL
 * `extensions.code` (and the CLI prints as is); anything else is an unexpected error and is masked.
 */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** The request ran more SQL statements than its budget (GRAPHQL_MAX_SQL_STATEMENTS). */
  SQL_BUDGET_EXCEEDED = 'SQL_BUDGET_EXCEEDED',
  /** The database cannot be reached (down, restarting, or the network to it is broken); retry later. */
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable details, e.g. { argument: 'first' }. Never SQL or stack traces. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, details: Record<string, unknown> = {}) => new DomainError(ErrorCode.BAD_USER_INPUT, message, details);
export const notFound = (message: string, details: Record<string, unknown> = {}) => new DomainError(ErrorCode.NOT_FOUND, message, details);
export const conflict = (message: string, details: Record<string, unknown> = {}) => new DomainError(ErrorCode.CONFLICT, message, details);
export const unauthenticated = (message: string, details: Record<string, unknown> = {}) => new DomainError(ErrorCode.UNAUTHENTICATED, message, details);
export const databaseUnavailable = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError(ErrorCode.DATABASE_UNAVAILABLE, message, details);
export const forbidden = (message: string, details: Record<string, unknown> = {}) => new DomainError(ErrorCode.FORBIDDEN, message, details);

/** True for DomainError instances, also across duplicated module copies (jest module registries). */
export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError || (e instanceof Error && e.name === 'DomainError' && typeof (e as { code?: unknown }).code === 'string');
}
