import {
  DateResolver,
  DateTimeResolver,
  LatitudeResolver,
  LongitudeResolver,
  NonNegativeFloatResolver,
  NonNegativeIntResolver,
  PositiveIntResolver,
} from 'graphql-scalars';
import type { GraphQLScalarType } from 'graphql';

/**
 * The custom scalars of the API (graphql-scalars). Use them as explicit type functions:
 * `@Field(() => NonNegativeInt) orders: number`. A TypeScript `Date` maps to DateTime (ISO 8601 instant)
 * without one; use `@Field(() => DateScalar)` for a calendar date ("2018-03-01").
 */
export const DateTime = DateTimeResolver;
export const DateScalar = DateResolver;
export const NonNegativeFloat = NonNegativeFloatResolver;
export const NonNegativeInt = NonNegativeIntResolver;
export const PositiveInt = PositiveIntResolver;
export const Latitude = LatitudeResolver;
export const Longitude = LongitudeResolver;

export const scalarsMap: { type: Function; scalar: GraphQLScalarType }[] = [{ type: Date, scalar: DateTimeResolver }];
