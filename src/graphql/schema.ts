import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './auth-checker';
import { resolvers } from './resolvers';
import { scalarsMap } from './scalars';

/**
 * The API schema, from the resolver list in resolvers.ts (`extraResolvers` lets tests add their own).
 * Arguments and inputs are validated by class-validator decorators when present.
 */
export async function buildAppSchema(opts: { extraResolvers?: Function[] } = {}): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...resolvers, ...(opts.extraResolvers ?? [])] as NonEmptyArray<Function>,
    authChecker,
    authMode: 'error',
    scalarsMap,
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
}

export const SCHEMA_HEADER = '# The segmenta GraphQL schema. Generated from the resolvers by `npm run schema`: do not edit.\n\n';

/** SDL with types and fields sorted, so the committed file only changes when the API does. */
export function printAppSchema(schema: GraphQLSchema): string {
  return `${SCHEMA_HEADER}${printSchema(lexicographicSortSchema(schema))}\n`;
}
