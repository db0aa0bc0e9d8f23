/**
 * The as-of convention of the field (lifetimes' `observation_period_end`): training "as of D" includes every
 * purchase made on day D (UTC) and measures each customer's age T up to D. Internally a snapshot is cut at an
 * instant — facts strictly before it count — so as of D means the cut at the midnight that ends day D.
 */
const DAY_MS = 86_400_000;

/** The cut (exclusive instant) for "as of day D": the UTC midnight after D's day. */
export function cutAfterDay(d: Date): Date {
  return new Date((Math.floor(d.getTime() / DAY_MS) + 1) * DAY_MS);
}

/** The last day a cut includes (its UTC midnight): the day T is measured to. */
export function lastIncludedDay(cut: Date): Date {
  return new Date((Math.ceil(cut.getTime() / DAY_MS) - 1) * DAY_MS);
}
