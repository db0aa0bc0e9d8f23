import { GraphQLError, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../shared/errors';

/**
 * With introspection off (GRAPHQL_INTROSPECTION=false, the production default), __schema and __type are
 * refused: BAD_USER_INPUT (HTTP 400), like the depth and complexity limits.
 */
export const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(
        new GraphQLError(`introspection is disabled on this server (GRAPHQL_INTROSPECTION): the query asks for ${node.name.value}`, {
          nodes: [node],
          extensions: { code: ErrorCode.BAD_USER_INPUT },
        }),
      );
    }
  },
});
