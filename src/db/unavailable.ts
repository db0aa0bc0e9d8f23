/**
 * True when an error says the database cannot be reached (refused, reset, timed out, shutting down or
 * starting up), as opposed to an error in a statement. These are answered DATABASE_UNAVAILABLE (HTTP 503):
 * the client should retry later, and nothing about the request was wrong.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
// SQLSTATE class 08 (connection exception), and 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now).
const SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const walk = (e: unknown, depth: number): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 8) return false;
    seen.add(e);
    const x = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (typeof x.code === 'string' && (NETWORK_CODES.has(x.code) || SQLSTATE.test(x.code))) return true;
    if (typeof x.message === 'string' && MESSAGES.test(x.message)) return true;
    if (Array.isArray(x.errors) && x.errors.some((inner) => walk(inner, depth + 1))) return true; // AggregateError
    return walk(x.driverError, depth + 1) || walk(x.cause, depth + 1) || walk(x.originalError, depth + 1);
  };
  return walk(error, 0);
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable at the moment: retry shortly';
/** Seconds a client is asked to wait (Retry-After) while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
