import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../shared/errors';

/**
 * PostgreSQL text cannot hold a NUL byte (U+0000): a string argument carrying one would fail deep in a
 * statement and be masked as an internal error. It is refused up front as BAD_USER_INPUT naming the argument
 * (a literal) or the variable path (`$filter.country`).
 */
export const noNulInLiteralsRule: ValidationRule = (context) => ({
  Argument(node) {
    const where: string[] = [];
    const walk = (value: typeof node.value, path: string) => {
      if (value.kind === 'StringValue' && value.value.includes('\u0000')) where.push(path);
      else if (value.kind === 'ListValue') value.values.forEach((v, i) => walk(v, `${path}[${i}]`));
      else if (value.kind === 'ObjectValue') for (const f of value.fields) walk(f.value, `${path}.${f.name.value}`);
    };
    walk(node.value, node.name.value);
    for (const argument of where) {
      context.reportError(
        new GraphQLError(`argument "${argument}" contains a NUL byte (\\u0000), which text values may not hold`, {
          nodes: [node],
          extensions: { code: ErrorCode.BAD_USER_INPUT, argument },
        }),
      );
    }
  },
});

/** Path of the first string holding a NUL byte inside a variables object, or undefined. */
export function findNul(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (depth > 50 || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const hit = findNul(v, `${path}.${k}`, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

export function nulVariablesPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request }) {
          for (const [name, value] of Object.entries(request.variables ?? {})) {
            const variable = findNul(value, `$${name}`);
            if (variable) {
              throw new GraphQLError(`variable "${variable}" contains a NUL byte (\\u0000), which text values may not hold`, {
                extensions: { code: ErrorCode.BAD_USER_INPUT, variable, http: { status: 400 } },
              });
            }
          }
        },
      };
    },
  };
}
