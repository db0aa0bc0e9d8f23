import type { IncomingMessage } from 'node:http';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataSource } from 'typeorm';

export interface RateLimitSettings {
  /** Requests one caller may make per window; 0 turns the limit off. */
  points: number;
  /** Window length in seconds. */
  windowSeconds: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: number };

export interface RequestRateLimiter {
  /** Counts one request of `key` and says whether it may proceed. */
  consume(key: string): Promise<RateDecision>;
}

/**
 * Requests per caller per window, counted in PostgreSQL (table rate_limit, one upsert per request) so that
 * the limit holds across every instance serving the same database. When the database cannot be reached the
 * count falls back to this process's memory with the same limit (the insurance limiter), so an outage never
 * turns into "no limit" nor into refusing everyone.
 */
export function createRateLimiter(ds: DataSource, s: RateLimitSettings): RequestRateLimiter {
  if (s.points <= 0) return { consume: async () => ({ allowed: true }) };
  const insuranceLimiter = new RateLimiterMemory({ points: s.points, duration: s.windowSeconds });
  const limiter = new RateLimiterPostgres({
    storeClient: ds,
    storeType: 'typeorm',
    tableName: 'rate_limit',
    tableCreated: true, // migration 1764000000040 builds it
    points: s.points,
    duration: s.windowSeconds,
    insuranceLimiter,
  });
  return {
    async consume(key) {
      try {
        await limiter.consume(key, 1);
        return { allowed: true };
      } catch (e) {
        if (e instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)), limit: s.points };
        }
        throw e;
      }
    },
  };
}

/**
 * Whom a request is counted against: its API key (by the key's id, a hash prefix) when keys are configured,
 * else its address. A request with a missing or wrong key is counted by address, so guessing keys is limited too.
 */
export function rateLimitKey(req: IncomingMessage, keyId: string | undefined): string {
  return keyId ? `key:${keyId}` : `addr:${req.socket.remoteAddress ?? 'unknown'}`;
}
