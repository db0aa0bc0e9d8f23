/**
 * SQL expression builders that turn staged text (already trimmed, empty → NULL) into typed values, or NULL
 * when the text is not valid, without ever raising: one bad value must become a counted rejection, not an
 * aborted statement. Checks are done with regular expressions and integer arithmetic before any cast.
 * Arguments are column references (each may be evaluated several times).
 */

export type DateFormat = 'iso' | 'dmy' | 'mdy';
export const DATE_FORMATS: readonly DateFormat[] = ['iso', 'dmy', 'mdy'];

/** yyyy-mm-dd, optionally followed by [T ]hh:mm[:ss[.ffffff]] and an optional Z / ±hh[:mm] offset. */
const ISO = `'^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])([T ]([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,6})?)?(Z|[+-](0\\d|1[0-4])(:?[0-5]\\d)?)?)?$'`;
/** yyyymmdd. */
const BASIC = `'^\\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])$'`;
/** d/m/yyyy or m/d/yyyy (separator / . or -), optionally followed by h:mm[:ss]. */
const DAY_MONTH = `'^\\d{1,2}([/.-])\\d{1,2}\\1\\d{4}([ T]\\d{1,2}:\\d{2}(:\\d{2})?)?$'`;

function daysInMonth(y: string, m: string): string {
  return `CASE ${m} WHEN 2 THEN 28 + ((${y} % 4 = 0 AND (${y} % 100 <> 0 OR ${y} % 400 = 0))::int)
            WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END`;
}

/**
 * Rewrites d/m/yyyy[ h:mm[:ss]] (or m/d/…) as ISO text; anything else is passed through unchanged, so that
 * the ISO parser rejects it. Single digits are zero-padded first, which puts every part at a fixed position.
 */
export function sqlDayMonthToIso(x: string, format: 'dmy' | 'mdy'): string {
  const padded = `regexp_replace(${x}, '(^|\\D)(\\d)(?=\\D|$)', '\\10\\2', 'g')`;
  const [d, m] = format === 'dmy' ? ['substr(p, 1, 2)', 'substr(p, 4, 2)'] : ['substr(p, 4, 2)', 'substr(p, 1, 2)'];
  return `CASE WHEN ${x} ~ ${DAY_MONTH}
    THEN (SELECT substr(p, 7, 4) || '-' || ${m} || '-' || ${d} || replace(substr(p, 11), 'T', ' ') FROM (SELECT ${padded} AS p) s)
    ELSE ${x} END`;
}

/**
 * yyyymmdd, ISO dates and ISO date-times → timestamptz. Values without an offset are read in the session
 * time zone, which the importers set to UTC.
 */
export function sqlTimestamp(x: string): string {
  const y = (p: number) => `substr(${x}, ${p}, 4)::int`;
  const two = (p: number) => `substr(${x}, ${p}, 2)::int`;
  return `CASE
    WHEN ${x} ~ ${ISO} THEN CASE WHEN ${y(1)} > 0 AND ${two(9)} <= ${daysInMonth(y(1), two(6))} THEN ${x}::timestamptz END
    WHEN ${x} ~ ${BASIC} THEN CASE WHEN ${y(1)} > 0 AND ${two(7)} <= ${daysInMonth(y(1), two(5))} THEN ${x}::timestamptz END
  END`;
}

/**
 * Decimal text → numeric. `decimalComma` also accepts `12,50` (for files not separated by commas). The
 * common shape (`-12.50`) is recognised by a cheaper pattern before the general one (signs, exponents).
 */
export function sqlNumeric(x: string, decimalComma = false): string {
  const sep = decimalComma ? '[.,]' : '\\.';
  const cast = decimalComma ? `replace(${x}, ',', '.')::numeric` : `${x}::numeric`;
  return `CASE WHEN ${x} ~ '^-?[0-9]+${sep}?[0-9]*$' THEN ${cast}
    WHEN ${x} ~ '^[+-]?(\\d+(${sep}\\d*)?|${sep}\\d+)([eE][+-]?\\d{1,3})?$' THEN ${cast} END`;
}

/** Decimal text → double precision (exponent limited so the cast cannot overflow). */
export function sqlDouble(x: string): string {
  return `CASE WHEN ${x} ~ '^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d{1,2})?$' THEN ${x}::double precision END`;
}

/** Integer text (a float-looking `12.0` counts as 12) → integer. */
export function sqlInteger(x: string): string {
  return `CASE WHEN ${x} ~ '^[+-]?\\d{1,9}(\\.0*)?$' THEN split_part(${x}, '.', 1)::int END`;
}

/**
 * `v` rounded to `scale` decimals when it fits numeric(precision, scale), else NULL. round() goes half away
 * from zero, so the rounded value fits exactly when |v| < 10^(precision - scale) - ½·10^-scale: one
 * comparison of v instead of rounding it twice.
 */
export function sqlFitNumeric(v: string, precision: number, scale: number): string {
  const bound = `${'9'.repeat(precision - scale)}.${'9'.repeat(scale)}5`;
  return `CASE WHEN abs(${v}) < ${bound} THEN round(${v}, ${scale}) END`;
}

/** A SQL string literal. */
export function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
