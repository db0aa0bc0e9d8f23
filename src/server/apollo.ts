import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { DATABASE_RETRY_AFTER_SECONDS } from '../db/unavailable';
import type { GraphQLContext } from '../graphql/context';
import { argumentPathsRule, createFormatError } from '../graphql/errors';
import { JitExecutor, jitGateway } from '../graphql/jit-executor';
import { complexityLimitPlugin } from '../graphql/limits/complexity';
import { depthLimitRule } from '../graphql/limits/depth.rule';
import { noIntrospectionRule } from '../graphql/limits/introspection.rule';
import { noNulInLiteralsRule, nulVariablesPlugin } from '../graphql/limits/nul-bytes';
import { noSubscriptionRule } from '../graphql/limits/subscription.rule';
import { ErrorCode } from '../shared/errors';
import type { ServerSettings } from '../server';

/**
 * Adds extensions.sqlStatements (and the complexity estimate) when the request sent `x-debug-sql-count: 1`
 * outside production (the header is ignored there: the figures help tune an attack as much as a query).
 */
function debugExtensionsPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (!contextValue.debugSql || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = {
            ...result.extensions,
            sqlStatements: contextValue.sqlCounter.statements,
            ...(contextValue.complexity !== undefined ? { complexity: contextValue.complexity } : {}),
          };
        },
      };
    },
  };
}

/** An answer that says the database is unavailable is HTTP 503 with Retry-After, whatever else it carries. */
function databaseUnavailablePlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (!errors.some((e) => e.extensions?.code === ErrorCode.DATABASE_UNAVAILABLE)) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}

/**
 * The started Apollo server of one HTTP server: the schema (run by graphql-jit unless settings say graphql-js),
 * every validation rule and limit, error formatting, and draining on stop.
 */
export async function startApollo(
  settings: ServerSettings,
  schema: GraphQLSchema,
  httpServer: http.Server,
  log: Logger,
): Promise<{ apollo: ApolloServer<GraphQLContext>; jit?: JitExecutor }> {
  const production = settings.nodeEnv === 'production';
  const jit =
    settings.executor === 'jit'
      ? new JitExecutor(settings.jitCacheSize, (reason, operationName) =>
          log.debug({ operationName, reason }, 'GraphQL operation not compiled by graphql-jit; graphql-js executes it'),
        )
      : undefined;
  const apollo = new ApolloServer<GraphQLContext>({
    // With jit, Apollo gets the schema and the executor through its gateway interface.
    ...(jit ? { gateway: jitGateway(schema, jit) } : { schema }),
    formatError: createFormatError(log),
    includeStacktraceInErrorResponses: false,
    // Our own rule refuses introspection with a message that names the setting.
    introspection: true,
    hideSchemaDetailsFromClientErrors: !settings.introspection,
    validationRules: [
      argumentPathsRule,
      noSubscriptionRule,
      noNulInLiteralsRule,
      depthLimitRule(settings.maxDepth),
      ...(settings.introspection ? [] : [noIntrospectionRule]),
    ],
    nodeEnv: settings.nodeEnv,
    stopOnTerminationSignals: false,
    logger: {
      debug: (m) => log.debug(m),
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m) => log.error(m),
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: settings.stopGraceMs }),
      settings.sandbox ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
      // No HTTP caching of API answers; without it Apollo would wrap every field resolver to track cache hints.
      ApolloServerPluginCacheControlDisabled(),
      complexityLimitPlugin<GraphQLContext>(settings.maxComplexity, { exposeFigures: !production }),
      nulVariablesPlugin<GraphQLContext>(),
      debugExtensionsPlugin(),
      databaseUnavailablePlugin(),
    ],
  });
  await apollo.start();
  return { apollo, jit };
}
