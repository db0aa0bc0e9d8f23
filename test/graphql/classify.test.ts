import { ACTIVE_MODEL_TTL_MS, cachedModelIds, readRfmBoundaries, rfmBoundaries, scoreRfmAgainst } from '../../src/models/serving/classify.service';
import { CENSORED_BY, FEATURES } from '../../src/features/catalogue';
import { featuresForCustomers } from '../../src/features/features.service';
import { onServerStart } from '../../src/models/retrain.service';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, testKeys, type TestServer } from './helpers';

/**
 * Classification with the active model over real HTTP, on a seeded and trained database. Expected values come
 * from the stored model (customer_segment, customer_features) read with SQL here, not from constants.
 */

type Db = Awaited<ReturnType<typeof createTrainedDb>>;

const CLASSIFICATION = `cluster { id name } probabilities { clusterId name probability } rfmSegment modelId
  topFeatures { feature contribution value } customerId featuresAsOf`;
const CLASSIFY_CUSTOMER = `mutation($id: ID!) { classifyCustomer(id: $id) { ${CLASSIFICATION} } }`;
const CLASSIFY_CUSTOMERS = `mutation($ids: [ID!]!) { classifyCustomers(ids: $ids) { ${CLASSIFICATION} } }`;
const CLASSIFY_FEATURES = `mutation($input: CustomerFeaturesInput!) { classifyFeatures(input: $input) { ${CLASSIFICATION} } }`;

interface Classification {
  cluster: { id: string; name: string };
  probabilities: { clusterId: string; name: string; probability: number }[];
  rfmSegment: string | null;
  modelId: string;
  topFeatures: { feature: string; contribution: number; value: string | null }[];
  customerId: string | null;
  featuresAsOf: string | null;
}

interface StoredCustomer {
  public_id: string;
  cluster_id: number;
  rfm_segment: string;
  recency_days: number;
  frequency: number;
  monetary: number | null;
  tenure_days: number;
  avg_order_value: number | null;
  mean_interpurchase_days: number | null;
  items_per_order: number | null;
  distinct_categories: number | null;
  avg_review_score: number | null;
  low_review_share: number | null;
  avg_delivery_delay_days: number | null;
  late_delivery_share: number | null;
  mean_installments: number | null;
  credit_card_share: number | null;
  state: string | null;
  top_category: string | null;
}

/** A stored customer's features as classifyFeatures input (nulls left out: they are imputed). */
function asInput(c: StoredCustomer): Record<string, unknown> {
  const input: Record<string, unknown> = {
    recencyDays: c.recency_days,
    frequency: c.frequency,
    monetary: c.monetary ?? 0,
    tenureDays: c.tenure_days,
    avgOrderValue: c.avg_order_value,
    meanInterpurchaseDays: c.mean_interpurchase_days,
    itemsPerOrder: c.items_per_order,
    distinctCategories: c.distinct_categories,
    avgReviewScore: c.avg_review_score,
    lowReviewShare: c.low_review_share,
    avgDeliveryDelayDays: c.avg_delivery_delay_days,
    lateDeliveryShare: c.late_delivery_share,
    meanInstallments: c.mean_installments,
    creditCardShare: c.credit_card_share,
    state: c.state,
    topCategory: c.top_category,
  };
  for (const k of Object.keys(input)) if (input[k] === null) delete input[k];
  return input;
}

describe('classification API', () => {
  let db: Db;
  let t: TestServer;
  let modelId: number;
  let sample: StoredCustomer[];
  const { keys, spec } = testKeys();

  beforeAll(async () => {
    db = await createTrainedDb();
    expect(await onServerStart(db.ds)).toMatchObject({ interruptedRuns: 0, activeModelId: expect.any(Number) });
    t = await startTestServer({ db, settings: { apiKeys: spec } });
    [{ id: modelId }] = await db.ds.query(`SELECT id FROM model_version WHERE is_active`);
    // ~50 customers spread over the model, in a seeded order (md5), with their stored cluster and features.
    sample = await db.ds.query(
      `SELECT c.customer_unique_id AS public_id, s.cluster_id, s.rfm_segment, f.*
         FROM customer_segment s
         JOIN customer c ON c.id = s.customer_id
         JOIN model_version m ON m.id = s.model_version_id
         JOIN customer_features f ON f.snapshot_id = m.snapshot_id AND f.customer_id = s.customer_id
        WHERE s.model_version_id = $1
        ORDER BY md5(s.customer_id::text) LIMIT 50`,
      [modelId],
    );
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const admin = { key: keys.admin };
  const analyst = { key: keys.analyst };

  it('classifyCustomers agrees with the stored clusters (≥ 0.9) and reproduces the stored RFM segments', async () => {
    expect(sample.length).toBe(50);
    const r = await t.gql<{ classifyCustomers: Classification[] }>(CLASSIFY_CUSTOMERS, { ids: sample.map((s) => s.public_id) }, analyst);
    expect(r.body.errors).toBeUndefined();
    const out = r.body.data!.classifyCustomers;
    expect(out.map((c) => c.customerId)).toEqual(sample.map((s) => s.public_id));
    const agree = out.filter((c, i) => Number(c.cluster.id) === sample[i].cluster_id).length / out.length;
    expect(agree).toBeGreaterThanOrEqual(0.9);
    // The warehouse has not changed since training, so current features equal the snapshot's: same RFM.
    expect(out.map((c) => c.rfmSegment)).toEqual(sample.map((s) => s.rfm_segment));
    const [{ k, as_of }] = await db.ds.query(`SELECT k, as_of FROM model_version WHERE id = $1`, [modelId]);
    for (const c of out) {
      expect(c.modelId).toBe(String(modelId));
      expect(c.probabilities).toHaveLength(k);
      expect(c.probabilities.reduce((a, p) => a + p.probability, 0)).toBeCloseTo(1, 9);
      expect(c.probabilities[0].clusterId).toBe(c.cluster.id);
      expect(c.probabilities[0].name).toBe(c.cluster.name);
      expect(c.topFeatures.length).toBeGreaterThan(0);
      expect(c.topFeatures.length).toBeLessThanOrEqual(5);
      const abs = c.topFeatures.map((f) => Math.abs(f.contribution));
      expect([...abs].sort((a, b) => b - a)).toEqual(abs);
      expect(new Date(c.featuresAsOf!).getTime()).toBe(new Date(as_of).getTime());
    }
    // Cluster names are the stored segment names.
    const names = new Map<string, string>(
      (await db.ds.query(`SELECT segment_key, name FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER'`, [modelId])).map(
        (p: { segment_key: string; name: string }) => [p.segment_key, p.name],
      ),
    );
    for (const c of out) expect(c.cluster.name).toBe(names.get(c.cluster.id));
  });

  it('current features on demand are exactly the snapshot rows (same statement, same as-of)', async () => {
    const [{ snapshot_id, as_of }] = await db.ds.query(`SELECT snapshot_id, as_of FROM model_version WHERE id = $1`, [modelId]);
    const stored: Record<string, unknown>[] = await db.ds.query(
      `SELECT f.* FROM customer_features f JOIN customer c ON c.id = f.customer_id
        WHERE f.snapshot_id = $1 AND c.customer_unique_id = ANY($2) ORDER BY f.customer_id`,
      [snapshot_id, sample.map((s) => s.public_id)],
    );
    const rows = await featuresForCustomers(db.ds, stored.map((r) => r.customer_id as number));
    expect(rows.map((r) => r.customerId)).toEqual(stored.map((r) => r.customer_id));
    rows.forEach((r, i) => {
      expect(r.asOf.getTime()).toBe(new Date(as_of).getTime());
      for (const f of FEATURES) {
        const got = r.features[f.name];
        const want = stored[i][f.column];
        // Aggregates of floats may differ in the last bit with the order rows are summed in.
        if (typeof want === 'number' && typeof got === 'number') expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        else expect({ feature: f.name, value: got }).toEqual({ feature: f.name, value: want });
      }
    });
    // A customer without purchases has no row; an empty list asks nothing.
    expect(await featuresForCustomers(db.ds, [])).toEqual([]);
  });

  it('classifyCustomer gives the same answer as the batch for one customer', async () => {
    const one = await t.gql<{ classifyCustomer: Classification }>(CLASSIFY_CUSTOMER, { id: sample[3].public_id }, analyst);
    const batch = await t.gql<{ classifyCustomers: Classification[] }>(CLASSIFY_CUSTOMERS, { ids: [sample[3].public_id] }, analyst);
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data!.classifyCustomer).toEqual(batch.body.data!.classifyCustomers[0]);
  });

  it("classifyFeatures on customers' own stored features reproduces their classification", async () => {
    // monetary is required input; a customer with no known spend has no exact input equivalent.
    const ids = sample.filter((s) => s.monetary !== null).slice(0, 20);
    const byCustomer = await t.gql<{ classifyCustomers: Classification[] }>(CLASSIFY_CUSTOMERS, { ids: ids.map((s) => s.public_id) }, analyst);
    let agree = 0;
    for (const [i, s] of ids.entries()) {
      const r = await t.gql<{ classifyFeatures: Classification }>(CLASSIFY_FEATURES, { input: asInput(s) }, analyst);
      expect(r.body.errors).toBeUndefined();
      const c = r.body.data!.classifyFeatures;
      const viaCustomer = byCustomer.body.data!.classifyCustomers[i];
      // Same features through the same transform: the same decision and probabilities.
      expect({ customer: s.public_id, cluster: c.cluster }).toEqual({ customer: s.public_id, cluster: viaCustomer.cluster });
      c.probabilities.forEach((p, j) => expect(p.probability).toBeCloseTo(viaCustomer.probabilities[j].probability, 9));
      expect(c.rfmSegment).toBe(s.rfm_segment);
      expect(c.customerId).toBeNull();
      expect(c.featuresAsOf).toBeNull();
      if (Number(c.cluster.id) === s.cluster_id) agree++;
    }
    expect(agree / ids.length).toBeGreaterThanOrEqual(0.85);
  });

  it('imputes missing optional features with the model medians and says which values were imputed', async () => {
    const r = await t.gql<{ classifyFeatures: Classification }>(
      CLASSIFY_FEATURES,
      { input: { recencyDays: 30, frequency: 2, monetary: 250.5, tenureDays: 200 } },
      analyst,
    );
    expect(r.body.errors).toBeUndefined();
    const c = r.body.data!.classifyFeatures;
    const [{ feature_names, imputation }] = await db.ds.query(`SELECT feature_names, imputation FROM model_version WHERE id = $1`, [modelId]);
    const supplied = new Set(['recencyDays', 'frequency', 'monetary', 'tenureDays']);
    for (const f of c.topFeatures) {
      expect([...feature_names, 'state', 'topCategory']).toContain(f.feature);
      if (supplied.has(f.feature)) expect(f.value).not.toBeNull();
      else if (feature_names.includes(f.feature)) {
        expect(f.value).toBeNull();
        expect(typeof imputation[f.feature]).toBe('number');
      }
    }
    // Supplying the medians explicitly is the same as leaving them out (a censored feature takes
    // its lower bound instead: a missing gap between purchases is taken as the tenure).
    const explicit: Record<string, unknown> = { recencyDays: 30, frequency: 2, monetary: 250.5, tenureDays: 200 };
    for (const f of feature_names as string[]) if (!(f in explicit)) explicit[f] = CENSORED_BY[f] ? explicit[CENSORED_BY[f]] : imputation[f];
    const r2 = await t.gql<{ classifyFeatures: Classification }>(CLASSIFY_FEATURES, { input: explicit }, analyst);
    expect(r2.body.errors).toBeUndefined();
    r2.body.data!.classifyFeatures.probabilities.forEach((p, j) => expect(p.probability).toBeCloseTo(c.probabilities[j].probability, 9));
  });

  it('RFM boundaries computed in SQL give every snapshot customer its stored r, f and m', async () => {
    const [{ snapshot_id }] = await db.ds.query(`SELECT snapshot_id FROM model_version WHERE id = $1`, [modelId]);
    const b = await rfmBoundaries(db.ds, snapshot_id);
    expect(b).not.toBeNull();
    const rows: { recency_days: number; frequency: number; monetary: number | null; r: number; f: number; m: number; rfm_segment: string }[] =
      await db.ds.query(
        `SELECT f.recency_days, f.frequency, f.monetary, s.r, s.f, s.m, s.rfm_segment
           FROM customer_segment s JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = s.customer_id
          WHERE s.model_version_id = $1`,
        [modelId, snapshot_id],
      );
    expect(rows.length).toBeGreaterThan(1000);
    const mismatches = rows.filter((x) => {
      const got = scoreRfmAgainst(b!, { recencyDays: x.recency_days, frequency: x.frequency, monetary: x.monetary });
      return got.r !== x.r || got.f !== x.f || got.m !== x.m || got.segment !== x.rfm_segment;
    });
    expect(mismatches).toEqual([]);
    // The train pipeline stored the same boundaries with the version, and serving reads those (no scan).
    const [{ stored }] = await db.ds.query(`SELECT metrics->'rfmBoundaries' AS stored FROM model_version WHERE id = $1`, [modelId]);
    expect(readRfmBoundaries(stored)).toEqual(b);
  });

  it('answers classifyFeatures from memory: no SQL statement while the active model id is fresh', async () => {
    // onServerStart loaded the active model: nothing else is cached, and nothing needs loading.
    expect(cachedModelIds()).toEqual([modelId]);
    const input = { recencyDays: 10, frequency: 1, monetary: 99, tenureDays: 10, state: 'sp' };
    const debug = { ...analyst, headers: { 'x-debug-sql-count': '1' } };
    await new Promise((res) => setTimeout(res, ACTIVE_MODEL_TTL_MS + 20));
    const stale = await t.gql(CLASSIFY_FEATURES, { input }, debug);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.extensions?.sqlStatements).toBe(1); // which model is active, asked again
    const fresh = await t.gql(CLASSIFY_FEATURES, { input }, debug);
    expect(fresh.body.extensions?.sqlStatements).toBe(0);
    expect(fresh.body.data).toEqual(stale.body.data);
  });

  it('lets analysts and admins classify, not viewers', async () => {
    const input = { recencyDays: 10, frequency: 1, monetary: 99, tenureDays: 10 };
    for (const [query, variables] of [
      [CLASSIFY_FEATURES, { input }],
      [CLASSIFY_CUSTOMER, { id: sample[0].public_id }],
      [CLASSIFY_CUSTOMERS, { ids: [sample[0].public_id] }],
    ] as const) {
      const v = await t.gql(query, variables, { key: keys.viewer });
      expect(v.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(v.body.data).toBeNull();
      for (const key of [keys.analyst, keys.admin]) expect((await t.gql(query, variables, { key })).body.errors).toBeUndefined();
    }
    expect((await t.gql(CLASSIFY_FEATURES, { input })).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  describe('bad input', () => {
    const base = { recencyDays: 30, frequency: 2, monetary: 100, tenureDays: 60 };
    const INJECTION = `'; DROP TABLE customer; --`;

    async function expectBad(query: string, variables: Record<string, unknown>, code: string, mention?: string | RegExp) {
      const r = await t.gql(query, variables, admin);
      expect(r.body.data ?? null).toBeNull();
      const e = r.body.errors?.[0];
      expect(e?.extensions?.code).toBe(code);
      if (mention) expect(e?.message).toMatch(mention);
      return e!;
    }

    it.each([
      ['NaN-like string', { ...base, monetary: 'NaN' }, /monetary/],
      ['Infinity string', { ...base, tenureDays: 'Infinity' }, /tenureDays/],
      ['numeric string', { ...base, frequency: '2' }, /frequency/],
      ['fractional frequency', { ...base, frequency: 1.5 }, /frequency/],
      ['missing tenureDays', { recencyDays: 1, frequency: 1, monetary: 1 }, /tenureDays/],
      ['unknown field', { ...base, lifetimeValue: 5 }, /lifetimeValue/],
      ['wrong type for state', { ...base, state: 42 }, /state/],
    ])('rejects %s in variables', async (_name, input, mention) => {
      await expectBad(CLASSIFY_FEATURES, { input }, 'BAD_USER_INPUT', mention);
    });

    it.each([
      ['avgReviewScore above 5', { avgReviewScore: 7 }, 'input.avgReviewScore'],
      ['share above 1', { lateDeliveryShare: 1.5 }, 'input.lateDeliveryShare'],
      ['share below 0', { creditCardShare: -0.1 }, 'input.creditCardShare'],
      ['negative recencyDays', { recencyDays: -1 }, 'input.recencyDays'],
      ['zero frequency', { frequency: 0 }, 'input.frequency'],
      ['negative monetary', { monetary: -5 }, 'input.monetary'],
      ['tenure shorter than recency', { recencyDays: 100, tenureDays: 50 }, 'input.tenureDays'],
      ['absurd recency', { recencyDays: 1e9, tenureDays: 1e9 }, 'input.recencyDays'],
      ['unknown state', { state: 'XX' }, 'input.state'],
      ['injection as state', { state: INJECTION }, 'input.state'],
      ['overlong topCategory', { topCategory: 'x'.repeat(500) }, 'input.topCategory'],
    ])('rejects %s naming the field', async (_name, patch, field) => {
      const e = await expectBad(CLASSIFY_FEATURES, { input: { ...base, ...patch } }, 'BAD_USER_INPUT', field);
      expect(e.extensions?.field).toBe(field);
    });

    it('treats an injection string as topCategory as an unseen category, harmlessly', async () => {
      const r = await t.gql<{ classifyFeatures: Classification }>(CLASSIFY_FEATURES, { input: { ...base, topCategory: INJECTION } }, admin);
      expect(r.body.errors).toBeUndefined();
      const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM customer`);
      expect(n).toBeGreaterThan(0);
    });

    it('refuses more than 500 ids, empty ids, and names unknown ids', async () => {
      const many = Array.from({ length: 501 }, (_, i) => `id-${i}`);
      await expectBad(CLASSIFY_CUSTOMERS, { ids: many }, 'BAD_USER_INPUT', /500/);
      await expectBad(CLASSIFY_CUSTOMERS, { ids: [sample[0].public_id, ''] }, 'BAD_USER_INPUT', /ids\[1\]/);
      const e = await expectBad(CLASSIFY_CUSTOMERS, { ids: [sample[0].public_id, 'no-such-customer'] }, 'NOT_FOUND', /no-such-customer/);
      expect(e.extensions?.ids).toEqual(['no-such-customer']);
      await expectBad(CLASSIFY_CUSTOMER, { id: `x' OR '1'='1` }, 'NOT_FOUND');
      await expectBad(CLASSIFY_CUSTOMER, { id: INJECTION }, 'NOT_FOUND');
      await expectBad(CLASSIFY_CUSTOMERS, { ids: [1.5] }, 'BAD_USER_INPUT');
      await expectBad(CLASSIFY_CUSTOMERS, { ids: [{ id: 'x' }] }, 'BAD_USER_INPUT');
      await expectBad(CLASSIFY_CUSTOMER, { id: 12.5 }, 'BAD_USER_INPUT');
      const ok = await t.gql<{ classifyCustomers: Classification[] }>(CLASSIFY_CUSTOMERS, { ids: [] }, admin);
      expect(ok.body.data!.classifyCustomers).toEqual([]);
    });

    it('refuses a customer without any purchase (nothing to classify)', async () => {
      await db.ds.query(`INSERT INTO customer (customer_unique_id, state) VALUES ('classify-test-no-orders', 'SP')`);
      await expectBad(CLASSIFY_CUSTOMER, { id: 'classify-test-no-orders' }, 'BAD_USER_INPUT', /no purchase/);
      await db.ds.query(`DELETE FROM customer WHERE customer_unique_id = 'classify-test-no-orders'`);
    });

    it('says NOT_FOUND when no model is active (a change made elsewhere is seen within the TTL)', async () => {
      const ttl = () => new Promise((res) => setTimeout(res, ACTIVE_MODEL_TTL_MS + 20));
      await db.ds.query(`UPDATE model_version SET is_active = false WHERE id = $1`, [modelId]);
      await ttl();
      try {
        await expectBad(CLASSIFY_FEATURES, { input: base }, 'NOT_FOUND', /no active model/);
        await expectBad(CLASSIFY_CUSTOMER, { id: sample[0].public_id }, 'NOT_FOUND', /no active model/);
      } finally {
        await db.ds.query(`UPDATE model_version SET is_active = true WHERE id = $1`, [modelId]);
        await ttl();
      }
      expect((await t.gql(CLASSIFY_FEATURES, { input: base }, admin)).body.errors).toBeUndefined();
    });
  });
});
