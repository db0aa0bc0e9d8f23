import { GraphQLError, Kind, type ASTNode, type GraphQLFormattedError, type ValidationRule, type ValueNode } from 'graphql';
import { ArgumentValidationError, AuthenticationError, AuthorizationError } from 'type-graphql';
import type { ValidationError as ClassValidationError } from 'class-validator';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/unavailable';
import { DomainError, ErrorCode, isDomainError } from '../shared/errors';

/** Minimal logger shape (pino fits). */
export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/**
 * Codes a client may see with the original message. Anything else (a bug, a database failure, a GraphQL
 * error raised while serializing a result) is masked as INTERNAL_SERVER_ERROR.
 */
const PUBLIC_CODES = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  // Raised by Apollo / graphql-js before execution; their messages describe the request, not the server.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Extension keys never sent to clients, whatever put them there. */
const PRIVATE_EXTENSIONS = new Set(['stacktrace', 'exception', 'http', 'validationErrors']);

/** Literal argument values → the argument path they belong to ("filter.country", "ids[2]"). */
const argumentPaths = new WeakMap<ASTNode, string>();

/**
 * Reports nothing: records which argument each literal value belongs to, so that formatError can name the
 * argument when a scalar refuses a literal (graphql-js reports those errors on the value node only).
 */
export const argumentPathsRule: ValidationRule = () => {
  const record = (value: ValueNode, path: string) => {
    if (value.kind === Kind.VARIABLE) return; // a variable's errors name it already
    argumentPaths.set(value, path);
    if (value.kind === Kind.OBJECT) for (const f of value.fields) record(f.value, `${path}.${f.name.value}`);
    if (value.kind === Kind.LIST) value.values.forEach((v, i) => record(v, `${path}[${i}]`));
  };
  return {
    Argument(node) {
      record(node.value, node.name.value);
    },
  };
};

/** Walks `originalError` links, outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = error;
  while (e && out.length < 10 && !out.includes(e)) {
    out.push(e);
    e = (e as { originalError?: unknown }).originalError;
  }
  return out;
}

/** "first: first must not be less than 1; filter.country: ..." from class-validator's nested errors. */
export function describeValidationErrors(errors: ClassValidationError[], prefix = ''): { fields: string[]; text: string } {
  const fields: string[] = [];
  const parts: string[] = [];
  const walk = (list: ClassValidationError[], path: string) => {
    for (const v of list) {
      const field = path ? `${path}.${v.property}` : v.property;
      if (v.constraints && Object.keys(v.constraints).length) {
        fields.push(field);
        parts.push(`${field}: ${Object.values(v.constraints).join('; ')}`);
      }
      if (v.children?.length) walk(v.children, field);
    }
  };
  walk(errors, prefix);
  return { fields, text: parts.join('; ') };
}

function clean(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extensions ?? {})) if (!PRIVATE_EXTENSIONS.has(k)) out[k] = v;
  return out;
}

/**
 * Apollo's formatError: the one place where errors become what clients see.
 * - DomainError (thrown by services) → its code, message and details.
 * - class-validator argument errors → BAD_USER_INPUT naming each invalid field.
 * - TypeGraphQL auth errors → UNAUTHENTICATED / FORBIDDEN.
 * - Request errors raised before execution (parse, validation, variable coercion) keep their code; a code
 *   set by our own validation rules (e.g. the depth limit's BAD_USER_INPUT) wins over Apollo's wrapper.
 * - An error that says the database cannot be reached → DATABASE_UNAVAILABLE (the server answers HTTP 503).
 * - Everything else is logged in full and answered with a generic INTERNAL_SERVER_ERROR: no stack, no SQL.
 */
export function createFormatError(log: ErrorLogger) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const where = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };
    const links = chain(error);

    const domain = links.find(isDomainError);
    if (domain && domain.code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return { message: domain.message, ...where, extensions: { ...clean(domain.details), code: domain.code } };
    }
    if (!domain) {
      const argErr = links.find((e): e is ArgumentValidationError => e instanceof ArgumentValidationError);
      if (argErr) {
        const { fields, text } = describeValidationErrors(argErr.extensions.validationErrors ?? []);
        return {
          message: text ? `invalid input: ${text}` : 'invalid input',
          ...where,
          extensions: { code: ErrorCode.BAD_USER_INPUT, ...(fields.length ? { field: fields[0], fields } : {}) },
        };
      }
      if (links.some((e) => e instanceof AuthorizationError)) {
        return { message: 'the API key in use may not do this', ...where, extensions: { code: ErrorCode.FORBIDDEN } };
      }
      if (links.some((e) => e instanceof AuthenticationError)) {
        return { message: 'an API key is required', ...where, extensions: { code: ErrorCode.UNAUTHENTICATED } };
      }

      let code = String(formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
      let message = formatted.message;
      const extra: Record<string, unknown> = {};
      if (code === 'GRAPHQL_VALIDATION_FAILED') {
        const inner = links.slice(1).find((e): e is GraphQLError => e instanceof GraphQLError && typeof e.extensions?.code === 'string');
        const node = (error as GraphQLError).nodes?.[0];
        const argument = node ? argumentPaths.get(node) : undefined;
        if (inner && PUBLIC_CODES.has(inner.extensions.code as string)) code = inner.extensions.code as string;
        else if (argument !== undefined) {
          // A literal argument value the type refuses is bad input, as the same value sent in a variable is.
          code = ErrorCode.BAD_USER_INPUT;
          message = `invalid value for argument "${argument}": ${message}`;
          extra.argument = argument;
        }
      }
      if (PUBLIC_CODES.has(code)) {
        return { message, ...where, extensions: { ...clean(formatted.extensions), ...extra, code } };
      }
    }

    const cause = links[links.length - 1];
    if (links.some(isDatabaseUnavailable)) {
      // Not a bug: the database is down or unreachable. The server sets HTTP 503 for such answers.
      log.error({ err: cause instanceof Error ? cause : { value: String(cause) }, path: formatted.path }, `database unavailable: ${formatted.message}`);
      return { message: DATABASE_UNAVAILABLE_MESSAGE, ...where, extensions: { code: ErrorCode.DATABASE_UNAVAILABLE } };
    }
    log.error({ err: cause instanceof Error ? cause : { value: String(cause) }, path: formatted.path }, `unexpected error: ${formatted.message}`);
    return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
