/**
 * Money as the store counts it: the currency comes from the service (STORE_CURRENCY, e.g. BRL) and every CLV label
 * names the model's horizon ("CLV, 12 mo"), so a value never reads as a lifetime or as dollars.
 */
export class Money {
  currency = 'BRL';
  /** The active model's CLV horizon in months; null before a model is known. */
  horizonMonths: number | null = null;
  private full = Money.formatter('BRL', 2);
  private short = Money.formatter('BRL', 1, true);

  private static formatter(currency: string, digits: number, compact = false): Intl.NumberFormat {
    try {
      return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: digits, minimumFractionDigits: compact ? 0 : digits, ...(compact ? { notation: 'compact' } : {}) });
    } catch {
      return new Intl.NumberFormat('en-US', { maximumFractionDigits: digits });
    }
  }

  set(currency: string, horizonMonths: number | null): void {
    this.currency = currency;
    this.horizonMonths = horizonMonths;
    this.full = Money.formatter(currency, 2);
    this.short = Money.formatter(currency, 1, true);
  }

  /** "R$41.62" */
  format = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : this.full.format(n));
  /** "R$12.3K": totals in tight cells. */
  compact = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : this.short.format(n));
  /** "12 mo", the horizon every CLV figure is over. */
  get horizonLabel(): string {
    return this.horizonMonths === null ? 'model horizon' : `${this.horizonMonths} mo`;
  }
}
