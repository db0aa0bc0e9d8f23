import {
  DateResolver,
  DateTimeResolver,
  LatitudeResolver,
  LongitudeResolver,
  NonNegativeFloatResolver,
  NonNegativeIntResolver,
  PositiveIntResolver,
} from 'graphql-scalars';
import { GraphQLScalarType } from 'graphql';

/**
 * The custom scalars of the API (graphql-scalars). Use them as explicit type functions:
 * `@Field(() => NonNegativeInt) orders: number`. A TypeScript `Date` maps to DateTime (ISO 8601 instant)
 * without one; use `@Field(() => DateScalar)` for a calendar date ("2018-03-01").
 */
/**
 * graphql-scalars' scalars with a fast path for the values the API actually emits, answering exactly what
 * the library would (anything else goes to the library's own serialize, errors included). A page of customers
 * serializes a few hundred coordinates and instants; the library checks each through string conversions.
 */
function withFastSerialize(base: GraphQLScalarType, fast: (v: unknown) => unknown | undefined): GraphQLScalarType {
  const config = base.toConfig();
  const serialize = config.serialize;
  return new GraphQLScalarType({
    ...config,
    serialize: (v: unknown) => {
      const out = fast(v);
      return out === undefined ? serialize(v) : out;
    },
  });
}

// A valid Date: the library returns it and JSON writes toISOString(); write the same string directly.
const instant = (v: unknown) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : undefined);

// A plain decimal number in range: the library's rounding to 8 decimals. (Numbers that print in exponent
// form, |v| < 1e-6, and everything else take the library's path.)
const degrees = (limit: number) => (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit && (v === 0 || Math.abs(v) >= 1e-6)
    ? Number.parseFloat(v.toFixed(8))
    : undefined;

const DateTimeScalar = withFastSerialize(DateTimeResolver, instant);

export const DateTime = DateTimeScalar;
export const DateScalar = DateResolver;
export const NonNegativeFloat = NonNegativeFloatResolver;
export const NonNegativeInt = NonNegativeIntResolver;
export const PositiveInt = PositiveIntResolver;
export const Latitude = withFastSerialize(LatitudeResolver, degrees(90));
export const Longitude = withFastSerialize(LongitudeResolver, degrees(180));

export const scalarsMap: { type: Function; scalar: GraphQLScalarType }[] = [{ type: Date, scalar: DateTimeScalar }];
