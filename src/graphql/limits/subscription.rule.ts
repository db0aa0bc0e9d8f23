import { GraphQLError, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../shared/errors';

/** The API has no subscriptions: a subscription operation is the client's mistake (BAD_USER_INPUT), not ours. */
export const noSubscriptionRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'subscription') return;
    context.reportError(
      new GraphQLError('this API has no subscriptions: send a query or a mutation', {
        nodes: [node],
        extensions: { code: ErrorCode.BAD_USER_INPUT },
      }),
    );
  },
});
