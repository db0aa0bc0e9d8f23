import { z } from 'zod';

/**
 * The one reader of process.env. Every setting is validated here, once, so a bad value fails at start
 * with the variable's name instead of surfacing later as a confusing runtime error.
 */
const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Read replicas for read-only queries: one postgres:// URL or several separated by commas. */
  DATABASE_READ_URL: z
    .string()
    .refine((v) => v.split(',').every((u) => !u.trim() || /^postgres(ql)?:\/\//.test(u.trim())), 'must be postgres:// URLs separated by commas')
    .optional(),
  /**
   * A direct connection to the primary for LISTEN (activation notifications) when DATABASE_URL goes through
   * a transaction-mode pooler (PgBouncer), which cannot keep a session listening. Default: DATABASE_URL.
   */
  DATABASE_LISTEN_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PORT: port.default(4000),
  /** Listen address. Default: 0.0.0.0 with API keys, 127.0.0.1 in open mode (see `listenHost`). */
  HOST: z.string().min(1).optional(),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/pg'),
  EMBEDDED_PG_PORT: port.default(54329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_CUSTOMERS: z.coerce.number().int().min(100).max(5_000_000).default(20_000),
  DEMO_SEED: z.coerce.number().int().min(0).default(42),
  /** Comma-separated `role:sha256hex` pairs; see README "API keys". Empty means open local mode. */
  API_KEYS: z.string().default(''),
  /** Lets NODE_ENV=production start with no API_KEYS (open mode, every caller is admin). */
  SEGMENTA_ALLOW_OPEN: bool.default(false),
  /** Whether GET /graphql answers browsers with an explorer (default: everywhere but production). */
  GRAPHQL_SANDBOX: bool.optional(),
  /** Which explorer a plain GET /graphql shows: the bundled GraphiQL (works offline) or Apollo Sandbox (needs the internet). */
  GRAPHQL_EXPLORER: z.enum(['graphiql', 'sandbox']).default('graphiql'),
  GRAPHQL_INTROSPECTION: bool.optional(),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(10),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).default(20_000),
  /** SQL statements one GraphQL request may run; the next fails with SQL_BUDGET_EXCEEDED. */
  GRAPHQL_MAX_SQL_STATEMENTS: z.coerce.number().int().min(1).default(200),
  /** `jit` compiles each operation once (graphql-jit); `graphql-js` interprets it on every request. */
  GRAPHQL_EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
  /** How many compiled operations the jit executor keeps (least recently used ones are dropped). */
  GRAPHQL_JIT_CACHE_SIZE: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Requests per caller (API key, or address in open mode) per RATE_LIMIT_WINDOW_S, counted in PostgreSQL; 0 = off. */
  RATE_LIMIT_POINTS: z.coerce.number().int().min(0).default(1200),
  RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Requests this instance serves at once; 0 = no cap. More wait (up to MAX_QUEUED, QUEUE_TIMEOUT_MS), then get 503. */
  MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(64),
  MAX_QUEUED: z.coerce.number().int().min(0).default(512),
  QUEUE_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  REQUEST_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb').default('1mb'),
  /** ISO 4217 code of the store's money (order values, CLV): the API and dashboard label amounts with it. */
  STORE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as BRL or USD').default('BRL'),
  CLV_HORIZON_MONTHS: z.coerce.number().int().min(1).max(120).default(12),
  CLV_MONTHLY_DISCOUNT: z.coerce.number().min(0).max(1).default(0.01),
  /**
   * Before the server reports ready, run the dashboard's queries once and open every pooled connection with their
   * statements (src/server/warm-up.ts). Default: on, except under NODE_ENV=test.
   */
  WARM_UP: bool.optional(),
  /** Run a training worker in this process; false = the API only enqueues retrains for `segmenta worker`. */
  TRAINING_ENABLED: bool.default(true),
  /** Seconds without a heartbeat after which a running training counts as interrupted. */
  TRAINING_LEASE_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  /** `npm run bench` also runs the 1M-customer sizes. */
  BENCH_FULL: bool.default(false),
});

/** Every environment variable the service reads (deployment files are checked against this list). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type Config = z.infer<typeof schema> & { sandbox: boolean; introspection: boolean; listenHost: string };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset" so that `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const prod = c.NODE_ENV === 'production';
  const open = c.API_KEYS.trim() === '';
  // Open mode treats every caller as admin: it must be asked for in production, and stays on loopback
  // unless HOST says otherwise.
  return {
    ...c,
    sandbox: c.GRAPHQL_SANDBOX ?? !prod,
    introspection: c.GRAPHQL_INTROSPECTION ?? !prod,
    listenHost: c.HOST ?? (open ? '127.0.0.1' : '0.0.0.0'),
  };
}

/**
 * The server refuses to start in production without API keys unless open mode is asked for. (The CLI does
 * not serve anything and is not held to this.)
 */
export function assertServable(c: Config): void {
  if (c.NODE_ENV === 'production' && c.API_KEYS.trim() === '' && !c.SEGMENTA_ALLOW_OPEN) {
    throw new ConfigError(
      'API_KEYS is empty and NODE_ENV=production: refusing to serve every caller as admin.\n' +
        '  Create a key with `segmenta keys generate --role admin` and put the printed role:sha256 entry in API_KEYS,\n' +
        '  or set SEGMENTA_ALLOW_OPEN=1 to run open on purpose (it listens on 127.0.0.1 unless HOST is set).',
    );
  }
}

let cached: Config | undefined;
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Tests change env between cases; this drops the cached copy. */
export function resetConfigForTests(): void {
  cached = undefined;
}
