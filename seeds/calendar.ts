import { Categorical, type Rng } from './random';

/**
 * Time for the seed: the shopping intensity of each day (weekday, month, Black Friday, Christmas, Brazilian
 * gift dates), the hour-of-day profile, and fast timestamp formatting for COPY. Times are seconds since the
 * Unix epoch, UTC; nothing here reads the clock.
 */

export const DAY = 86400;

/** Monday-first weekday factors (Olist sells more early in the week, least on Saturdays). */
const WEEKDAY = [0.88, 1.15, 1.12, 1.08, 1.02, 0.95, 0.78]; // index = getUTCDay() (0 = Sunday)
const MONTH = [0.95, 0.95, 1.04, 1.0, 1.08, 0.98, 1.02, 1.06, 0.94, 0.97, 1.12, 1.0];
/** Olist's purchases by hour: quiet at night, a plateau from late morning to late evening. */
export const HOUR_WEIGHTS = [2.5, 1.2, 0.5, 0.3, 0.2, 0.2, 0.5, 1.3, 3.0, 4.8, 6.2, 6.6, 6.0, 6.5, 6.7, 6.4, 6.3, 5.9, 5.9, 5.9, 6.3, 6.2, 5.8, 4.2];

/** Day (UTC midnight, seconds) of Black Friday: the day after the fourth Thursday of November. */
export function blackFriday(year: number): number {
  const nov1 = Date.UTC(year, 10, 1) / 1000;
  const dow = new Date(nov1 * 1000).getUTCDay();
  const firstThursday = 1 + ((4 - dow + 7) % 7);
  return nov1 + (firstThursday + 21) * DAY;
}

/** Brazilian Mother's Day: second Sunday of May. */
function mothersDay(year: number): number {
  const may1 = Date.UTC(year, 4, 1) / 1000;
  const dow = new Date(may1 * 1000).getUTCDay();
  return may1 + (((7 - dow) % 7) + 7) * DAY;
}

/** Relative shopping intensity of the day starting at `daySec` (UTC midnight). */
export function dayFactor(daySec: number): number {
  const d = new Date(daySec * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const dom = d.getUTCDate();
  let f = WEEKDAY[d.getUTCDay()] * MONTH[m];
  const bf = blackFriday(y);
  const fromBf = (daySec - bf) / DAY;
  if (fromBf === 0) f *= 3.2;
  else if (fromBf >= 1 && fromBf <= 3) f *= 1.7; // the weekend and Cyber Monday
  else if (fromBf >= -7 && fromBf < 0) f *= 1.25;
  if (m === 11 && dom <= 22) f *= 1.22; // Christmas shopping
  if (m === 11 && dom >= 24) f *= 0.7;
  if (m === 0 && dom === 1) f *= 0.5;
  const md = (mothersDay(y) - daySec) / DAY;
  if (md >= 1 && md <= 8) f *= 1.15;
  if (m === 5 && dom >= 4 && dom <= 11) f *= 1.1; // Dia dos Namorados (12 June)
  return f;
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

export class Calendar {
  /** First day of the simulated history (UTC midnight, seconds). */
  readonly start: number;
  readonly asOf: number;
  /** Last second the simulation looks at: as-of plus the horizon. */
  readonly end: number;
  readonly days: number;
  private readonly factors: Float64Array;
  readonly maxFactor: number;
  private readonly acquisition: Categorical;
  private readonly hours = new Categorical(HOUR_WEIGHTS);
  private readonly dayStrings: string[];
  private readonly dayStringsFrom: number;

  constructor(asOf: number, historyDays: number, horizonDays: number) {
    this.asOf = asOf;
    this.start = asOf - historyDays * DAY;
    this.end = asOf + horizonDays * DAY;
    this.days = historyDays + horizonDays + 1;
    this.factors = new Float64Array(this.days);
    let max = 0;
    for (let i = 0; i < this.days; i++) {
      const f = dayFactor(this.start + i * DAY);
      this.factors[i] = f;
      if (f > max) max = f;
    }
    this.maxFactor = max;
    // New customers arrive faster as the store grows (Olist's monthly orders grew several-fold over 2017).
    this.acquisition = new Categorical(
      Array.from({ length: historyDays }, (_, i) => (0.25 + (1.75 * i) / historyDays) * this.factors[i]),
    );
    // Every date a row can carry: history, horizon, and the delivery estimates and reviews that follow.
    this.dayStringsFrom = this.start / DAY - 1;
    this.dayStrings = Array.from({ length: this.days + 400 }, (_, i) => new Date((this.dayStringsFrom + i) * DAY * 1000).toISOString().slice(0, 10));
  }

  /** Shopping intensity at time `t` (seconds). */
  factorAt(t: number): number {
    const i = Math.floor((t - this.start) / DAY);
    return i >= 0 && i < this.days ? this.factors[i] : 1;
  }

  /** A first-purchase day within the fraction window [from, to) of the history, growth- and season-weighted. */
  acquisitionDay(rng: Rng, from: number, to: number): number {
    const n = this.acquisition.size;
    const lo = Math.min(n - 1, Math.max(0, Math.floor(from * n)));
    const hi = Math.max(lo + 1, Math.min(n, Math.ceil(to * n)));
    return this.start + this.acquisition.sampleRange(rng, lo, hi) * DAY;
  }

  /** A time of day (seconds after midnight) following the hour-of-day profile. */
  timeOfDay(rng: Rng): number {
    return this.hours.sample(rng) * 3600 + rng.int(3600);
  }

  /** 'YYYY-MM-DD HH:MM:SS+00' for COPY (whole seconds). */
  format(t: number): string {
    const s = Math.floor(t);
    const day = Math.floor(s / DAY);
    const sod = s - day * DAY;
    const i = day - this.dayStringsFrom;
    const date = i >= 0 && i < this.dayStrings.length ? this.dayStrings[i] : new Date(day * DAY * 1000).toISOString().slice(0, 10);
    const h = Math.floor(sod / 3600);
    const mi = Math.floor((sod - h * 3600) / 60);
    return `${date} ${PAD2[h]}:${PAD2[mi]}:${PAD2[sod - h * 3600 - mi * 60]}+00`;
  }

  /** 'YYYY-MM-DD' of `t`. */
  date(t: number): string {
    return this.format(t).slice(0, 10);
  }
}
