import type { ServerResponse } from 'node:http';
import { DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable';
import { ErrorCode, isDomainError } from '../shared/errors';
import { PayloadTooLargeError } from './body';

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
  [ErrorCode.SQL_BUDGET_EXCEEDED]: 400,
  [ErrorCode.DATABASE_UNAVAILABLE]: 503,
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** A GraphQL-shaped error answered before GraphQL runs (bad JSON, body too large, refused admission). */
export function sendGraphQLTransportError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

/** Error body of the non-GraphQL routes: `{ "error": { "code", "message", ...details } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, details: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { ...details, code, message } }, headers);
}

/**
 * Answers a route's thrown error: DomainError → its status and message; too large → 413; anything else →
 * 500 with a generic message (the caller logs the real one). Returns true when the error was unexpected.
 */
export function sendThrown(res: ServerResponse, e: unknown): boolean {
  if (res.headersSent) {
    res.destroy();
    return !isDomainError(e);
  }
  if (e instanceof PayloadTooLargeError) {
    sendError(res, 413, 'PAYLOAD_TOO_LARGE', e.message, { limit: e.limit }, { connection: 'close' });
    return false;
  }
  if (isDomainError(e)) {
    const status = HTTP_STATUS_BY_CODE[e.code] ?? 500;
    const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer' } : {};
    sendError(res, status, e.code, e.message, e.details, headers);
    return status === 500;
  }
  if (isDatabaseUnavailable(e)) {
    sendError(res, 503, ErrorCode.DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_MESSAGE, {}, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
    return true;
  }
  sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  return true;
}
