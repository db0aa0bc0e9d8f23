import { DateTimeResolver, LatitudeResolver, LongitudeResolver } from 'graphql-scalars';
import type { GraphQLScalarType } from 'graphql';
import { DateTime, Latitude, Longitude } from '../../src/graphql/scalars';

/** What a serialize gives, as JSON would write it, or the error message it throws. */
function out(scalar: GraphQLScalarType, v: unknown): string {
  try {
    return JSON.stringify(scalar.serialize(v));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('scalars with a fast serialize path', () => {
  const coordinates = [0, -0, 1, -23.5505199, 45.123456789123, 90, -90, 180, -180, 90.0000001, -180.5, 1e-7, -3e-9, 0.000001, NaN, Infinity, '12.5', '-46.63', 'x', null, undefined, {}];
  it.each([
    ['Latitude', Latitude, LatitudeResolver],
    ['Longitude', Longitude, LongitudeResolver],
  ])('%s answers exactly what graphql-scalars answers', (_name, fast, library) => {
    for (const v of coordinates) expect(out(fast, v)).toBe(out(library, v));
  });

  it('DateTime answers exactly what graphql-scalars answers', () => {
    const values = [new Date('2018-09-01T00:00:00Z'), new Date(0), new Date(Date.UTC(2017, 4, 3, 12, 30, 15, 123)), new Date(NaN), '2018-09-01T10:00:00Z', 'nope', 1535760000000, null, {}];
    for (const v of values) expect(out(DateTime, v)).toBe(out(DateTimeResolver, v));
  });

  it('keeps the names and descriptions of the schema', () => {
    for (const [a, b] of [[DateTime, DateTimeResolver], [Latitude, LatitudeResolver], [Longitude, LongitudeResolver]] as const) {
      expect([a.name, a.description, a.specifiedByURL]).toEqual([b.name, b.description, b.specifiedByURL]);
    }
  });
});
