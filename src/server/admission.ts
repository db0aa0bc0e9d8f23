import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Principal } from '../auth/roles';
import { InFlightGate } from '../http/in-flight';
import { createRateLimiter, rateLimitKey } from '../http/rate-limit';
import { sendError, sendGraphQLTransportError } from '../http/respond';
import type { ServerSettings } from '../server';

/** Admits a request (returning the release of its slot) or answers it here (returning undefined). */
export type Admit = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<(() => void) | undefined>;

/**
 * Admission of every request but /healthz and /readyz: a slot under the in-flight cap (else 503), then the
 * caller's rate limit (else 429), both with Retry-After. The rate limit counts by API key when keys are
 * configured and the request carries a valid one, else by address; its counters live in PostgreSQL, so they
 * hold across instances.
 */
export function createAdmission(
  ds: DataSource,
  settings: ServerSettings,
  caller: { keysConfigured: boolean; principalFor(req: IncomingMessage): Principal },
  log: Logger,
): Admit {
  const rateLimiter = createRateLimiter(ds, { points: settings.rateLimitPoints, windowSeconds: settings.rateLimitWindowSeconds });
  const gate = new InFlightGate({ maxInFlight: settings.maxInFlight, maxQueued: settings.maxQueued, queueTimeoutMs: settings.queueTimeoutMs });

  return async function admit(req, res, path) {
    const refuse = (status: number, code: string, message: string, retryAfter: number) => {
      const headers = { 'retry-after': String(retryAfter) };
      if (path.startsWith('/graphql')) sendGraphQLTransportError(res, status, code, message, headers);
      else sendError(res, status, code, message, {}, headers);
    };
    const slot = await gate.admit();
    if (!slot.admitted) {
      refuse(503, 'OVERLOADED', `the server is at its limit of ${settings.maxInFlight} requests at once (${slot.reason}): retry shortly`, 1);
      return undefined;
    }
    let keyId: string | undefined;
    if (caller.keysConfigured) {
      try {
        keyId = caller.principalFor(req).keyId;
      } catch {
        keyId = undefined; // a missing or wrong key is counted by address (and refused later)
      }
    }
    const decision = await rateLimiter.consume(rateLimitKey(req, keyId)).catch((e: unknown) => {
      log.error({ err: e }, 'rate limiter failed; the request is let through');
      return { allowed: true as const };
    });
    if (!decision.allowed) {
      slot.release();
      refuse(429, 'RATE_LIMITED', `more than ${decision.limit} requests in ${settings.rateLimitWindowSeconds} s from this ${keyId ? 'API key' : 'address'}: retry after ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
      return undefined;
    }
    return slot.release;
  };
}
