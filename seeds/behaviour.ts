/**
 * The latent customer types of the synthetic store. Each is a "buy till you die" process: while alive, a
 * customer buys as a Poisson process (rate varying across customers, modulated by the calendar); at a random
 * time the customer drops out for good. Recency and frequency therefore carry real information about the
 * future, as they do in BG/NBD's world.
 */

export const LATENT_TYPES = ['loyal_high_spender', 'steady_regular', 'bargain_hunter', 'one_time_buyer', 'lapsed_regular', 'new_promising'] as const;
export type LatentType = (typeof LATENT_TYPES)[number];

export interface BehaviourProfile {
  type: LatentType;
  /** Share of customers of this type. */
  share: number;
  /** When the first purchase may happen, as fractions [from, to) of the history window. */
  acquisition: readonly [number, number];
  /** Mean days between purchases while alive (for a customer of average rate). */
  meanGapDays: number;
  /** Gamma shape of the rate across customers of the type (smaller = more spread). */
  rateShape: number;
  /**
   * Mean lifetime in days after the first purchase (exponential), or 'lapsed': dropped out at a uniform time
   * between 60 days after the first purchase and 45 days before as-of (former regulars).
   */
  lifetime: number | 'lapsed';
  /** Where the customer's usual products sit in the store's price ranking (0 cheapest … 1 dearest). */
  priceBand: readonly [number, number];
  /** Relative frequency of orders with 1, 2, 3 and 4 items. */
  items: readonly [number, number, number, number];
}

export const PROFILES: readonly BehaviourProfile[] = [
  { type: 'one_time_buyer', share: 0.8, acquisition: [0, 1], meanGapDays: 420, rateShape: 2, lifetime: 15, priceBand: [0.02, 0.97], items: [88, 9, 2, 1] },
  { type: 'bargain_hunter', share: 0.06, acquisition: [0, 0.93], meanGapDays: 16, rateShape: 3, lifetime: 450, priceBand: [0, 0.2], items: [50, 28, 14, 8] },
  { type: 'steady_regular', share: 0.058, acquisition: [0, 0.9], meanGapDays: 40, rateShape: 3, lifetime: 900, priceBand: [0.3, 0.7], items: [80, 15, 4, 1] },
  { type: 'loyal_high_spender', share: 0.027, acquisition: [0, 0.85], meanGapDays: 26, rateShape: 4, lifetime: 2200, priceBand: [0.84, 1], items: [70, 20, 7, 3] },
  { type: 'lapsed_regular', share: 0.03, acquisition: [0, 0.6], meanGapDays: 24, rateShape: 3, lifetime: 'lapsed', priceBand: [0.3, 0.8], items: [78, 16, 4, 2] },
  { type: 'new_promising', share: 0.025, acquisition: [0.88, 1], meanGapDays: 20, rateShape: 3, lifetime: 1500, priceBand: [0.55, 0.95], items: [75, 18, 5, 2] },
];

/**
 * Named mixes of the latent types. `demo` is Olist-like: four in five customers buy once. `balanced` is a store
 * where repeat customers are the majority and lapsed regulars are common (a subscription-like shop): the same
 * types in very different proportions, so a rule tuned to one store's shares shows up as a failure on the other.
 * Only the shares differ; each type's behaviour is the same in every mix.
 */
export const MIX_SHARES = {
  demo: Object.fromEntries(PROFILES.map((p) => [p.type, p.share])) as Record<LatentType, number>,
  balanced: {
    one_time_buyer: 0.4,
    bargain_hunter: 0.14,
    steady_regular: 0.14,
    loyal_high_spender: 0.08,
    lapsed_regular: 0.14,
    new_promising: 0.1,
  } as Record<LatentType, number>,
} as const;
export type MixName = keyof typeof MIX_SHARES;
export const MIX_NAMES = Object.keys(MIX_SHARES) as MixName[];

/** The profiles of a mix, in PROFILES order, with the mix's shares. */
export function profilesOf(mix: MixName): readonly BehaviourProfile[] {
  const shares = MIX_SHARES[mix];
  if (!shares) throw new RangeError(`unknown customer mix "${mix}" (known: ${MIX_NAMES.join(', ')})`);
  return PROFILES.map((p) => ({ ...p, share: shares[p.type] }));
}
