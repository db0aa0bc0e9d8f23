import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { config, ConfigError } from '../config';
import { unauthenticated } from '../shared/errors';
import { isRole, OPEN_PRINCIPAL, ROLES, type Principal, type Role } from './roles';

/** One configured key: only its SHA-256 is kept, so a leaked configuration does not leak keys. */
export interface ApiKeyEntry {
  role: Role;
  hash: Buffer;
  /** First 12 hex digits of the hash: enough to tell keys apart in logs. */
  keyId: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh random key (256 bits, base64url) with a recognizable prefix. */
export function generateKey(): string {
  return `sgm_${randomBytes(32).toString('base64url')}`;
}

/**
 * Parses API_KEYS: comma-separated `role:sha256hex` pairs. Fails on the first bad entry, naming it, so a
 * typo cannot silently lock everyone out or leave the server open.
 */
export function parseApiKeys(spec: string, source = 'API_KEYS'): ApiKeyEntry[] {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return entries.map((entry, i) => {
    const where = `${source} entry ${i + 1}`;
    const sep = entry.indexOf(':');
    if (sep < 0) throw new ConfigError(`${where}: expected role:sha256hex, got no ":"`);
    const role = entry.slice(0, sep).trim();
    const hex = entry.slice(sep + 1).trim().toLowerCase();
    if (!isRole(role)) throw new ConfigError(`${where}: unknown role "${role}" (expected ${ROLES.join(', ')})`);
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new ConfigError(`${where}: the hash must be 64 hex digits (a SHA-256; create one with: segmenta keys hash <key>), got ${hex.length} characters`);
    }
    return { role, hash: Buffer.from(hex, 'hex'), keyId: hex.slice(0, 12) };
  });
}

let cachedSpec: string | undefined;
let cachedKeys: ApiKeyEntry[] = [];
/** The keys from config().API_KEYS, parsed once per distinct value. */
export function configuredApiKeys(): ApiKeyEntry[] {
  const spec = config().API_KEYS;
  if (spec !== cachedSpec) {
    cachedKeys = parseApiKeys(spec);
    cachedSpec = spec;
  }
  return cachedKeys;
}

/** The key from an `Authorization: Bearer <key>` header value, or null when absent or another scheme. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(value);
  return m ? m[1] : null;
}

/**
 * Who sends this Authorization header. With no keys configured everyone is admin (open local mode).
 * Otherwise a missing or unknown key throws UNAUTHENTICATED. Every configured hash is compared in constant
 * time, and all of them are compared, so timing tells nothing about which or how many bytes matched.
 */
export function authenticate(header: string | string[] | undefined, keys: ApiKeyEntry[] = configuredApiKeys()): Principal {
  if (keys.length === 0) return OPEN_PRINCIPAL;
  const token = bearerToken(header);
  if (!token) throw unauthenticated('an API key is required: send "Authorization: Bearer <key>"');
  const presented = createHash('sha256').update(token, 'utf8').digest();
  let match: ApiKeyEntry | undefined;
  for (const k of keys) {
    if (timingSafeEqual(k.hash, presented) && !match) match = k;
  }
  if (!match) throw unauthenticated('the API key is not valid');
  return { role: match.role, keyId: match.keyId, open: false };
}
