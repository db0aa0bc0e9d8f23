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
  PORT: port.default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/pg'),
  EMBEDDED_PG_PORT: port.default(54329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEMO_CUSTOMERS: z.coerce.number().int().min(100).max(5_000_000).default(20_000),
  DEMO_SEED: z.coerce.number().int().min(0).default(42),
  /** Comma-separated `role:sha256hex` pairs; see README "API keys". Empty means open local mode. */
  API_KEYS: z.string().default(''),
  /** Whether GET /graphql answers browsers with an explorer (default: everywhere but production). */
  GRAPHQL_SANDBOX: bool.optional(),
  /** Which explorer a plain GET /graphql shows: the bundled GraphiQL (works offline) or Apollo Sandbox (needs the internet). */
  GRAPHQL_EXPLORER: z.enum(['graphiql', 'sandbox']).default('graphiql'),
  GRAPHQL_INTROSPECTION: bool.optional(),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(10),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).default(20_000),
  /** `jit` compiles each operation once (graphql-jit); `graphql-js` interprets it on every request. */
  GRAPHQL_EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
  /** How many compiled operations the jit executor keeps (least recently used ones are dropped). */
  GRAPHQL_JIT_CACHE_SIZE: z.coerce.number().int().min(1).max(100_000).default(1000),
  REQUEST_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 100kb or 1mb').default('1mb'),
  /** ISO 4217 code of the store's money (order values, CLV): the API and dashboard label amounts with it. */
  STORE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as BRL or USD').default('BRL'),
  CLV_HORIZON_MONTHS: z.coerce.number().int().min(1).max(120).default(12),
  CLV_MONTHLY_DISCOUNT: z.coerce.number().min(0).max(1).default(0.01),
  /** `npm run bench` also runs the 1M-customer sizes. */
  BENCH_FULL: bool.default(false),
});

export type Config = z.infer<typeof schema> & { sandbox: boolean; introspection: boolean };

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
  return { ...c, sandbox: c.GRAPHQL_SANDBOX ?? !prod, introspection: c.GRAPHQL_INTROSPECTION ?? !prod };
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
