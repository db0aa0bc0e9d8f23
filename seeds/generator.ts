import { profilesOf, type BehaviourProfile, type LatentType, type MixName } from './behaviour';
import { CUSTOMER_REACH, SELLER_REACH, SELLER_SP_BOOST, STATES, distanceKm, type City } from './brazil';
import { Calendar, DAY, blackFriday } from './calendar';
import { CATEGORIES } from './categories';
import { NULL, cents, copyText } from './copy-text';
import { mix32 } from '../src/shared/random';
import { Categorical, Rng } from './random';

/**
 * The synthetic Olist-shaped store: catalog (categories, sellers, products), then customers one at a time,
 * each with its orders, items, payments and reviews up to as-of, plus ground truth from simulating the
 * horizon after as-of. Pure: it only emits COPY text lines into a sink; the caller decides where they go.
 */

/** Columns written per table, in COPY order. */
export const SEED_COLUMNS = {
  product_category: ['name', 'name_en'],
  seller: ['id', 'zip_prefix', 'city', 'state'],
  product: ['id', 'category_name', 'name_length', 'description_length', 'photos_qty', 'weight_g', 'length_cm', 'height_cm', 'width_cm'],
  customer: ['id', 'customer_unique_id', 'zip_prefix', 'city', 'state', 'source', 'created_at'],
  customer_account: ['account_id', 'customer_id', 'zip_prefix', 'city', 'state'],
  orders: ['id', 'customer_id', 'account_id', 'status', 'purchased_at', 'approved_at', 'delivered_carrier_at', 'delivered_customer_at', 'estimated_delivery_at', 'source'],
  order_item: ['order_id', 'item_seq', 'product_id', 'seller_id', 'shipping_limit_at', 'price', 'freight'],
  order_payment: ['order_id', 'payment_seq', 'type', 'installments', 'value'],
  order_review: ['review_id', 'order_id', 'score', 'comment_title', 'comment_message', 'created_at', 'answered_at'],
  seed_truth: ['customer_id', 'latent_type', 'churned_after_as_of', 'as_of', 'value_if_retained_yearly', 'dead_by_horizon_end'],
  geolocation: ['zip_prefix', 'lat', 'lng', 'city', 'state', 'points'],
} as const;
export type SeedTable = keyof typeof SEED_COLUMNS;
export const SEED_TABLES = Object.keys(SEED_COLUMNS) as SeedTable[];
/** Tables that receive rows per customer (the rest are written once). */
export const CUSTOMER_TABLES: readonly SeedTable[] = ['customer', 'customer_account', 'orders', 'order_item', 'order_payment', 'order_review', 'seed_truth'];

export type RowSink = Record<SeedTable, { push(line: string): void }>;

export interface GeneratorOptions {
  customers: number;
  seed: number;
  /** UTC midnight, seconds since the epoch. */
  asOf: number;
  horizonDays: number;
  /** Days of history before as-of (default 730: Olist's two years). */
  historyDays?: number;
  /** Which mix of latent customer types (default 'demo'). */
  mix?: MixName;
}

export interface CustomerOutcome {
  id: number;
  uniqueId: string;
  type: LatentType;
  churned: boolean;
  orders: number;
  /** Expected spend over a year while alive (latent rate × expected order value; the expectation, not a sample). */
  valueIfRetainedYearly: number;
  /** Dropped out before the horizon's end. */
  dead: boolean;
}

/** Standard-normal quantiles at (k + ½)/K: a deterministic quadrature for expectations over a normal draw. */
const NORMAL_NODES = Array.from({ length: 32 }, (_, k) => inverseNormal((k + 0.5) / 32));

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

const STREAM_CATALOG = 1;
const STREAM_CUSTOMER = 2;

const PAYMENT_TYPES = ['credit_card', 'boleto', 'debit_card', 'voucher'] as const;
const PAYMENT_WEIGHTS = [0.76, 0.19, 0.015, 0.035];

/** Review score distributions (P(1)…P(5)) by how late delivery was against the estimate. */
const SCORES_VERY_EARLY = [0.05, 0.02, 0.07, 0.19, 0.67];
const SCORES_ON_TIME = [0.07, 0.03, 0.085, 0.2, 0.615];
const SCORES_LATE_3 = [0.22, 0.08, 0.15, 0.19, 0.36];
const SCORES_LATE_10 = [0.42, 0.1, 0.13, 0.12, 0.23];
const SCORES_VERY_LATE = [0.62, 0.1, 0.1, 0.07, 0.11];
/** Orders never delivered (lost, canceled, stuck). */
const SCORES_UNDELIVERED = [0.75, 0.08, 0.07, 0.04, 0.06];

const MESSAGES: Record<number, string[]> = {
  1: ['Não recebi o produto até agora.', 'Produto chegou com defeito.', 'Péssimo, entrega muito atrasada.', 'Recebi apenas parte do pedido.'],
  2: ['Produto diferente do anunciado.', 'Entrega atrasou bastante.', 'Qualidade abaixo do esperado.'],
  3: ['Produto razoável.', 'Chegou no prazo, mas a qualidade poderia ser melhor.', 'Entrega demorou um pouco.'],
  4: ['Bom produto, chegou no prazo.', 'Gostei, mas a embalagem veio amassada.', 'Produto bom, entrega dentro do prazo.'],
  5: ['Produto chegou antes do prazo, recomendo.', 'Ótimo produto, entrega rápida.', 'Tudo certo, muito satisfeito.', 'Excelente vendedor, recomendo a loja.'],
};
const TITLES: Record<number, string[]> = { 1: ['Péssimo', 'Não recebi'], 2: ['Ruim'], 3: ['Regular'], 4: ['Bom', 'Gostei'], 5: ['Recomendo', 'Ótimo', 'Excelente'] };
const MESSAGE_CHANCE = [0, 0.75, 0.6, 0.45, 0.3, 0.3];

interface PlacedCity extends City {
  uf: string;
  /** Half-width, in degrees, of the area the city's zip prefixes spread over. */
  radius: number;
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);
const zip5 = (z: number) => String(z).padStart(5, '0');
const dayStart = (t: number) => Math.floor(t / DAY) * DAY;

export class WarehouseGenerator {
  readonly customers: number;
  readonly seed: number;
  readonly calendar: Calendar;
  readonly asOfDate: string;
  readonly nSellers: number;
  readonly nProducts: number;

  private readonly cities: PlacedCity[] = [];
  private readonly cityDistance: Float64Array;
  private readonly customerCities: Categorical;
  private readonly sellerCities: Categorical;
  readonly profiles: readonly BehaviourProfile[];
  private readonly types: Categorical;
  private readonly paymentTypes = new Categorical(PAYMENT_WEIGHTS);
  private readonly scoreTables = [SCORES_VERY_EARLY, SCORES_ON_TIME, SCORES_LATE_3, SCORES_LATE_10, SCORES_VERY_LATE, SCORES_UNDELIVERED].map((w) => new Categorical(w));
  private readonly itemCounts: Categorical[];

  // Catalog, products sorted by price so that a price-rank quantile picks a product.
  private sellerIds: string[] = [];
  private sellerCity: Int32Array;
  private productIds: string[] = [];
  private productPrice: Int32Array; // cents
  private productSeller: Int32Array;
  private productWeightKg: Float64Array;
  private productLines: string[] = [];
  private sellerLines: string[] = [];

  // Geolocation: coordinate sums per 5-digit zip prefix of every customer and seller placed.
  private readonly geoLat = new Float64Array(100000);
  private readonly geoLng = new Float64Array(100000);
  private readonly geoPoints = new Int32Array(100000);
  private readonly geoCity = new Int16Array(100000).fill(-1);

  private readonly bfDays: Set<number>;
  /** Mean shopping intensity over the last year of the calendar: the yearly purchase rate's seasonal factor. */
  private readonly meanYearFactor: number;

  constructor(opts: GeneratorOptions) {
    this.customers = opts.customers;
    this.seed = opts.seed;
    this.profiles = profilesOf(opts.mix ?? 'demo');
    this.types = new Categorical(this.profiles.map((p) => p.share));
    this.itemCounts = this.profiles.map((p) => new Categorical([...p.items]));
    this.calendar = new Calendar(opts.asOf, opts.historyDays ?? 730, opts.horizonDays);
    this.asOfDate = new Date(opts.asOf * 1000).toISOString().slice(0, 10);
    const firstYear = new Date(this.calendar.start * 1000).getUTCFullYear();
    const lastYear = new Date(this.calendar.end * 1000).getUTCFullYear();
    let f = 0;
    for (let i = 0; i < 365; i++) f += this.calendar.factorAt(this.calendar.end - (i + 1) * DAY);
    this.meanYearFactor = f / 365;
    this.bfDays = new Set(Array.from({ length: lastYear - firstYear + 1 }, (_, i) => blackFriday(firstYear + i)));

    const customerWeights: number[] = [];
    const sellerWeights: number[] = [];
    for (const s of STATES) {
      const total = s.cities.reduce((a, c) => a + c.weight, 0);
      for (const c of s.cities) {
        this.cities.push({ ...c, uf: s.uf, radius: 0.01 + 0.0012 * Math.sqrt(c.zipTo - c.zipFrom + 1) });
        customerWeights.push((s.population * CUSTOMER_REACH[s.region] * c.weight) / total);
        sellerWeights.push((s.population * SELLER_REACH[s.region] * (s.uf === 'SP' ? SELLER_SP_BOOST : 1) * c.weight) / total);
      }
    }
    this.customerCities = new Categorical(customerWeights);
    this.sellerCities = new Categorical(sellerWeights);
    const n = this.cities.length;
    this.cityDistance = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = this.cities[i];
        const b = this.cities[j];
        // Same city: deliveries still cross town.
        this.cityDistance[i * n + j] = i === j ? 15 : distanceKm(a.lat, a.lng, b.lat, b.lng);
      }
    }

    this.nSellers = clamp(Math.round(this.customers / 30), 50, 5000);
    this.nProducts = clamp(Math.round(this.customers / 3), 300, 120000);
    this.sellerCity = new Int32Array(this.nSellers);
    this.productPrice = new Int32Array(this.nProducts);
    this.productSeller = new Int32Array(this.nProducts);
    this.productWeightKg = new Float64Array(this.nProducts);
    this.buildCatalog();
  }

  /** Rows of product_category, seller and product. */
  writeCatalog(sink: RowSink): void {
    for (const c of CATEGORIES) sink.product_category.push(`${c.name}\t${c.nameEn}\n`);
    for (const l of this.sellerLines) sink.seller.push(l);
    for (const l of this.productLines) sink.product.push(l);
  }

  /** Rows of geolocation: one per zip prefix used by a customer or seller generated so far, averaged. */
  writeGeolocation(sink: RowSink): number {
    let n = 0;
    for (let z = 0; z < 100000; z++) {
      const pts = this.geoPoints[z];
      if (!pts) continue;
      const city = this.cities[this.geoCity[z]];
      sink.geolocation.push(`${zip5(z)}\t${(this.geoLat[z] / pts).toFixed(6)}\t${(this.geoLng[z] / pts).toFixed(6)}\t${city.name}\t${city.uf}\t${pts}\n`);
      n++;
    }
    return n;
  }

  /** Customer `index` (0-based; its id is index + 1), with everything it did up to as-of. */
  writeCustomer(index: number, sink: RowSink): CustomerOutcome {
    const rng = new Rng(this.seed, STREAM_CUSTOMER, index);
    const typeIdx = this.types.sample(rng);
    const profile = this.profiles[typeIdx];
    const id = index + 1;
    const uid = rng.hex32();
    const cityIdx = this.customerCities.sample(rng);
    const city = this.cities[cityIdx];
    const zip = city.zipFrom + rng.int(city.zipTo - city.zipFrom + 1);
    this.place(zip, cityIdx, rng);
    const place = `${zip5(zip)}\t${city.name}\t${city.uf}`;

    const { history, churned, ratePerDay, death } = this.simulate(rng, profile);
    const [b0, b1] = profile.priceBand;
    const priceCentre = b0 + (b1 - b0) * rng.beta(1.5, 1.5);
    // Truth from values already drawn (no new draws, so the demo data stay the same).
    const valueIfRetainedYearly = ratePerDay * 365 * this.meanYearFactor * this.expectedOrderValue(typeIdx, priceCentre, cityIdx);
    const dead = death < this.calendar.end;
    const preferredPayment = this.paymentTypes.sample(rng);
    let favourite = -1;

    sink.customer.push(`${id}\t${uid}\t${place}\tseed\t${this.calendar.format(history[0])}\n`);
    for (let k = 0; k < history.length; k++) {
      favourite = this.writeOrder(rng, sink, id, place, cityIdx, history[k], typeIdx, priceCentre, preferredPayment, favourite);
    }
    sink.seed_truth.push(`${id}\t${profile.type}\t${churned ? 't' : 'f'}\t${this.asOfDate}\t${valueIfRetainedYearly.toFixed(4)}\t${dead ? 't' : 'f'}\n`);
    return { id, uniqueId: uid, type: profile.type, churned, orders: history.length, valueIfRetainedYearly, dead };
  }

  /**
   * Expected value of one order (items + freight, in currency units) of a customer of this type whose usual
   * price rank is `priceCentre`, as writeOrder draws it: expected item count × the mean over the rank's normal
   * spread of the product's price and freight. Rebuys of a favourite or of the previous item have the same
   * marginal distribution; Black Friday's discount and the 1% free freight are left out (under 1% together).
   */
  private expectedOrderValue(typeIdx: number, priceCentre: number, cityIdx: number): number {
    const w = this.profiles[typeIdx].items;
    const wSum = w[0] + w[1] + w[2] + w[3];
    const items = (w[0] + 2 * w[1] + 3 * w[2] + 4 * w[3]) / wSum;
    const nCities = this.cities.length;
    let perItem = 0;
    for (const z of NORMAL_NODES) {
      const p = Math.floor(clamp(priceCentre + 0.06 * z, 0, 0.999999) * this.nProducts);
      const d = this.cityDistance[cityIdx * nCities + this.sellerCity[this.productSeller[p]]];
      const kg = this.productWeightKg[p];
      // lognormal(1, 0.15) has mean e^{0.15²/2}.
      const freight = Math.min(40000, 100 * (8 + 0.005 * d + kg * (1.5 + 0.0015 * d)) * Math.exp(0.01125));
      perItem += Math.max(85, this.productPrice[p]) + freight;
    }
    return (items * perItem) / NORMAL_NODES.length / 100;
  }

  /**
   * Purchase times up to as-of, and whether the customer buys nothing in the horizon after it. While alive the
   * customer buys as a Poisson process whose intensity follows the calendar (thinning); death ends it.
   */
  private simulate(rng: Rng, p: BehaviourProfile): { history: number[]; churned: boolean; ratePerDay: number; death: number } {
    const cal = this.calendar;
    const t0 = cal.acquisitionDay(rng, p.acquisition[0], p.acquisition[1]) + cal.timeOfDay(rng);
    const ratePerDay = rng.gamma(p.rateShape, 1 / p.rateShape) / p.meanGapDays;
    let death: number;
    if (p.lifetime === 'lapsed') {
      const lo = t0 + 60 * DAY;
      const hi = cal.asOf - 45 * DAY;
      death = hi > lo ? rng.uniform(lo, hi) : Math.min(lo, cal.asOf);
    } else {
      death = t0 + rng.exponential(p.lifetime) * DAY;
    }
    const stop = Math.min(death, cal.end);
    const meanCandidateGap = (DAY / (ratePerDay * cal.maxFactor));
    const history = [t0];
    let churned = true;
    let t = t0;
    for (;;) {
      t += rng.exponential(meanCandidateGap);
      if (t >= stop) break;
      if (rng.next() * cal.maxFactor >= cal.factorAt(t)) continue;
      const day = dayStart(t);
      if (day >= cal.asOf) {
        // as-of is a UTC midnight, so the whole day lies in the horizon.
        churned = false;
        break;
      }
      history.push(day + cal.timeOfDay(rng));
    }
    if (history.length > 2) history.sort((a, b) => a - b);
    else if (history.length === 2 && history[1] < history[0]) history.reverse();
    return { history, churned, ratePerDay, death };
  }

  /** One order with its account, items, payments and review. Returns the customer's favourite product. */
  private writeOrder(
    rng: Rng,
    sink: RowSink,
    customerId: number,
    place: string,
    cityIdx: number,
    purchase: number,
    typeIdx: number,
    priceCentre: number,
    preferredPayment: number,
    favourite: number,
  ): number {
    const cal = this.calendar;
    const asOf = cal.asOf;
    const orderId = rng.hex32();
    const accountId = rng.hex32();
    const purchaseDay = dayStart(purchase);
    const blackFridayDeal = this.bfDays.has(purchaseDay);

    // Items: products around the customer's usual price rank; repeat buyers sometimes rebuy a favourite.
    const nItems = 1 + this.itemCounts[typeIdx].sample(rng);
    const products: number[] = [];
    for (let i = 0; i < nItems; i++) {
      let p: number;
      if (i > 0 && rng.chance(0.35)) p = products[i - 1]; // the same product again (Olist: one line per unit)
      else if (i === 0 && favourite >= 0 && rng.chance(0.2)) p = favourite;
      else p = Math.floor(clamp(priceCentre + 0.06 * rng.normal(), 0, 0.999999) * this.nProducts);
      products.push(p);
    }
    if (favourite < 0) favourite = products[0];

    const payType = rng.chance(0.85) ? preferredPayment : this.paymentTypes.sample(rng);
    const firstSellerCity = this.sellerCity[this.productSeller[products[0]]];
    const dist = this.cityDistance[cityIdx * this.cities.length + firstSellerCity];
    const month = new Date(purchaseDay * 1000).getUTCMonth();
    const peak = month === 11 || (month === 10 && new Date(purchaseDay * 1000).getUTCDate() >= 20) ? 1.35 : 1;

    // Life of the order. Timestamps later than as-of are not known yet and stay empty.
    let approved: number | null =
      purchase + (payType === 1 ? rng.lognormal(1.2, 0.5) * DAY : rng.chance(0.75) ? rng.exponential(1200) : rng.lognormal(12, 0.9) * 3600);
    let carrier: number | null = null;
    let delivered: number | null = null;
    const estimated = purchaseDay + Math.round(5 + dist / 150 + rng.uniform(3, 12)) * DAY;
    let status: string;
    const fate = rng.next();
    if (fate < 0.006) {
      status = 'canceled';
      if (rng.chance(0.3)) approved = null;
    } else if (fate < 0.012) {
      status = 'unavailable';
    } else {
      carrier = approved + rng.lognormal(2 * peak, 0.8) * DAY;
      let transit = rng.lognormal((1.5 + dist / 300) * peak, 0.6) * DAY;
      if (rng.chance(0.07)) transit += rng.exponential(14) * DAY; // a parcel that went astray
      delivered = carrier + transit;
      if (fate < 0.022) {
        status = 'shipped'; // lost in transit
        delivered = null;
      } else if (fate < 0.025) {
        status = rng.chance(0.5) ? 'invoiced' : 'processing';
        carrier = null;
        delivered = null;
      } else {
        status = 'delivered';
      }
      if (approved >= asOf) {
        approved = carrier = delivered = null;
        status = 'created';
      } else if (carrier !== null && carrier >= asOf) {
        carrier = delivered = null;
        status = 'invoiced';
      } else if (delivered !== null && delivered >= asOf) {
        delivered = null;
        status = 'shipped';
      }
    }
    if (approved !== null && approved >= asOf) approved = null;

    sink.customer_account.push(`${accountId}\t${customerId}\t${place}\n`);
    sink.orders.push(
      `${orderId}\t${customerId}\t${accountId}\t${status}\t${cal.format(purchase)}\t${approved === null ? NULL : cal.format(approved)}\t` +
        `${carrier === null ? NULL : cal.format(carrier)}\t${delivered === null ? NULL : cal.format(delivered)}\t${cal.format(estimated)}\tseed\n`,
    );

    const shippingLimit = cal.format((approved ?? purchase) + 6 * DAY);
    let total = 0;
    for (let i = 0; i < nItems; i++) {
      const p = products[i];
      const seller = this.productSeller[p];
      const price = Math.max(85, Math.round(this.productPrice[p] * (1 + 0.04 * rng.normal()) * (blackFridayDeal ? 0.88 : 1)));
      const d = this.cityDistance[cityIdx * this.cities.length + this.sellerCity[seller]];
      const kg = this.productWeightKg[p];
      const freight = rng.chance(0.01) ? 0 : Math.min(40000, Math.round(100 * (8 + 0.005 * d + kg * (1.5 + 0.0015 * d)) * rng.lognormal(1, 0.15)));
      total += price + freight;
      sink.order_item.push(`${orderId}\t${i + 1}\t${this.productIds[p]}\t${this.sellerIds[seller]}\t${shippingLimit}\t${cents(price)}\t${cents(freight)}\n`);
    }

    // Payments add up to the order's items + freight, in cents; a voucher sometimes covers part of it.
    let seq = 1;
    if (payType === 3) {
      if (total > 2000 && rng.chance(0.3)) {
        const part = Math.round(total * rng.uniform(0.2, 0.8));
        sink.order_payment.push(`${orderId}\t${seq++}\tvoucher\t1\t${cents(part)}\n`);
        sink.order_payment.push(`${orderId}\t${seq++}\tvoucher\t1\t${cents(total - part)}\n`);
      } else {
        sink.order_payment.push(`${orderId}\t${seq++}\tvoucher\t1\t${cents(total)}\n`);
      }
    } else {
      let rest = total;
      let voucher = 0;
      if (total > 2000 && rng.chance(0.03)) {
        voucher = Math.round(total * rng.uniform(0.1, 0.6));
        rest -= voucher;
      }
      let installments = 1;
      if (payType === 0) {
        const max = clamp(Math.floor(rest / 2500), 1, 10);
        installments = max === 1 || rng.chance(0.35) ? 1 : 2 + rng.int(max - 1);
      }
      sink.order_payment.push(`${orderId}\t${seq++}\t${PAYMENT_TYPES[payType]}\t${installments}\t${cents(rest)}\n`);
      if (voucher) sink.order_payment.push(`${orderId}\t${seq++}\tvoucher\t1\t${cents(voucher)}\n`);
    }

    // Review: most orders get one shortly after delivery; the later the delivery, the lower the score.
    let created: number | null = null;
    let table = 5;
    if (status === 'delivered' && delivered !== null) {
      if (!rng.chance(0.008)) {
        created = dayStart(delivered) + (rng.chance(0.7) ? 1 : 1 + rng.int(6)) * DAY;
        const late = (delivered - estimated) / DAY;
        table = late <= -7 ? 0 : late <= 0 ? 1 : late <= 3 ? 2 : late <= 10 ? 3 : 4;
      }
    } else if (status === 'canceled' || status === 'unavailable') {
      if (rng.chance(0.6)) created = purchaseDay + (3 + rng.int(8)) * DAY;
    } else if (status !== 'created' && estimated + DAY < asOf) {
      created = estimated + (1 + rng.int(3)) * DAY; // promised date passed, nothing arrived
    }
    if (created !== null && created < asOf) {
      const score = 1 + this.scoreTables[table].sample(rng);
      const answered = created + rng.lognormal(1.2, 0.9) * DAY;
      const message = rng.chance(MESSAGE_CHANCE[score]) ? rng.pick(MESSAGES[score]) : null;
      const title = rng.chance(0.12) ? rng.pick(TITLES[score]) : null;
      sink.order_review.push(
        `${rng.hex32()}\t${orderId}\t${score}\t${copyText(title)}\t${copyText(message)}\t${cal.format(created)}\t${answered < asOf ? cal.format(answered) : NULL}\n`,
      );
    }
    return favourite;
  }

  private buildCatalog(): void {
    const rng = new Rng(this.seed, STREAM_CATALOG);
    for (let s = 0; s < this.nSellers; s++) {
      const id = rng.hex32();
      const cityIdx = this.sellerCities.sample(rng);
      const city = this.cities[cityIdx];
      const zip = city.zipFrom + rng.int(city.zipTo - city.zipFrom + 1);
      this.place(zip, cityIdx, rng);
      this.sellerIds.push(id);
      this.sellerCity[s] = cityIdx;
      this.sellerLines.push(`${id}\t${zip5(zip)}\t${city.name}\t${city.uf}\n`);
    }
    // A few sellers carry much of the catalog (Zipf-like).
    const sellerPick = new Categorical(Array.from({ length: this.nSellers }, (_, s) => 1 / Math.pow(s + 3, 0.9)));
    const categoryPick = new Categorical(CATEGORIES.map((c) => c.products));
    const raw = Array.from({ length: this.nProducts }, (_, i) => {
      const cat = CATEGORIES[categoryPick.sample(rng)];
      const price = Math.round(clamp(rng.lognormal(cat.price * 1.15, 0.65), 3.5, 6700) * 100);
      const weightG = Math.round(clamp(rng.lognormal(cat.weightG, 0.8), 50, 40000));
      const side = Math.cbrt(weightG * 4); // cm, for a parcel of plausible density
      const length = Math.round(clamp(side * rng.lognormal(1.3, 0.2), 16, 105));
      const height = Math.round(clamp(side * rng.lognormal(0.6, 0.35), 2, 105));
      const width = Math.round(clamp(side * rng.lognormal(1.0, 0.25), 6, 118));
      const id = rng.hex32();
      const category = rng.chance(0.015) ? null : cat.name; // Olist leaves ~1.5% of products uncategorised
      const nameLength = Math.round(clamp(48 + 10 * rng.normal(), 5, 76));
      const descLength = Math.round(clamp(rng.lognormal(600, 0.75), 4, 3992));
      const photos = 1 + Math.min(19, Math.floor(rng.exponential(1.2)));
      const line = `${id}\t${copyText(category)}\t${nameLength}\t${descLength}\t${photos}\t${weightG}\t${length}\t${height}\t${width}\n`;
      return { i, id, price, weightG, seller: sellerPick.sample(rng), line };
    });
    raw.sort((a, b) => a.price - b.price || a.i - b.i);
    raw.forEach((p, k) => {
      this.productIds.push(p.id);
      this.productPrice[k] = p.price;
      this.productSeller[k] = p.seller;
      this.productWeightKg[k] = p.weightG / 1000;
      this.productLines.push(p.line);
    });
  }

  /** Records a customer's or seller's point in its zip prefix (prefix centre + a little jitter). */
  private place(zip: number, cityIdx: number, rng: Rng): void {
    const city = this.cities[cityIdx];
    const h1 = mix32(zip * 2 + 1) / 4294967296;
    const h2 = mix32(zip * 2 + 2) / 4294967296;
    const r = city.radius * Math.sqrt(h2);
    const lat = city.lat + r * Math.sin(2 * Math.PI * h1) + 0.003 * rng.normal();
    const lng = city.lng + (r * Math.cos(2 * Math.PI * h1)) / Math.cos((city.lat * Math.PI) / 180) + 0.003 * rng.normal();
    this.geoLat[zip] += lat;
    this.geoLng[zip] += lng;
    this.geoPoints[zip]++;
    this.geoCity[zip] = cityIdx;
  }
}
