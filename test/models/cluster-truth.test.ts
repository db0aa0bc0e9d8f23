import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { seedWarehouse } from '../../seeds/seed.service';
import type { MixName } from '../../seeds/behaviour';
import { importTransactions } from '../../src/ingest/transactions.service';
import { train } from '../../src/models/train.pipeline';
import { adjustedRandIndex } from '../../src/segmentation/ari';
import { createTestDb, type TestDb } from '../helpers/db';

/**
 * Ground truth: the seeded store knows each customer's latent type (seed_truth). The clusters should recover it on
 * two very different mixes, on the Olist-shaped store and on the same purchases imported as a plain transaction
 * log, and a retrain with another seed should reproduce the partition.
 *
 * The recovery target (ARI ≥ 0.70 against the types) is met on the demo mix, with the customers who bought on a
 * single day as a cluster of their own (train's singleDayCluster: src/segmentation/split-model.ts); on the balanced mix it is declared as a
 * known failure (it.failing), so that the suite turns red the day it is met and the mark must come off. What is
 * identifiable at all bounds it: a customer of a repeat type who has bought once looks like a one-time buyer (a
 * third of the new_promising customers, a tenth of the steady regulars). A supervised gradient-boosted classifier
 * on the transaction-log space (scikit-learn 1.9 HistGradientBoostingClassifier, default settings, 5-fold
 * stratified cross-validated predictions, ARI of those predictions against the types) reaches ARI 0.84, 0.86, 0.82
 * on the demo mix (seeds 11, 12, 13 of the store) but only 0.68, 0.68, 0.63 on the balanced one; with the
 * single-day buyers kept as one cluster and the repeat customers labelled by their true type, 0.86 and 0.81 (seed
 * 11): the balanced mix's gap is in telling its repeat customers' types apart (KMeans reaches 0.63 there at k = 6,
 * and the silhouette chooses k = 3). bench/cluster-bounds.py measures that bound on store seeds 11-13 (bench/RESULTS.md):
 * with the single-day buyers apart and the k chosen by the truth, no clustering of these features passes 0.64 on the
 * balanced mix, and a classifier trained on the types reaches 0.67-0.70.
 *
 * Both sources cluster on the behavioural space; the Olist-shaped store adds its order details (review score,
 * late-delivery share, installments).
 *
 * The transaction log is also clustered by the Gaussian mixture engine (`algorithm: 'gmm'`, k by ICL among
 * seed-stable k), with seeds 1 and 2: it is the engine that comes nearest the types on the balanced mix. With the
 * single-day buyers apart, a mixture retrain of this log took 3.5–12.5 s in this suite.
 */
const CUSTOMERS = 3000;
const GMM_MIXES = new Set<MixName>(['demo', 'balanced']);

async function truthAndClusters(ds: DataSource, modelId: number, key: 'id' | 'unique'): Promise<{ truth: string[]; cluster: number[] }> {
  const rows: { latent_type: string; cluster_id: number }[] = await ds.query(
    key === 'id'
      ? `SELECT st.latent_type, cs.cluster_id FROM customer_segment cs JOIN seed_truth st ON st.customer_id = cs.customer_id
          WHERE cs.model_version_id = $1 ORDER BY cs.customer_id`
      : `SELECT t.latent_type, cs.cluster_id FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
           JOIN truth_by_unique t ON t.unique_id = c.customer_unique_id WHERE cs.model_version_id = $1 ORDER BY cs.customer_id`,
    [modelId],
  );
  return { truth: rows.map((r) => r.latent_type), cluster: rows.map((r) => r.cluster_id) };
}

async function clusterLabels(ds: DataSource, modelId: number): Promise<Map<number, number>> {
  const rows: { customer_id: number; cluster_id: number }[] = await ds.query(`SELECT customer_id, cluster_id FROM customer_segment WHERE model_version_id = $1`, [modelId]);
  return new Map(rows.map((r) => [r.customer_id, r.cluster_id]));
}

function stability(a: Map<number, number>, b: Map<number, number>): number {
  const ids = [...a.keys()].filter((id) => b.has(id));
  return adjustedRandIndex(ids.map((id) => a.get(id)), ids.map((id) => b.get(id)));
}

interface Measured {
  olistAri: number;
  olistStability: number;
  olistFeatures: string[];
  olistDropped: { feature: string; reason: string }[];
  txAri: number;
  txFeatures: string[];
  /** The Gaussian mixture engine on the transaction log: ARI against the types, and between seeds 1 and 2. */
  gmmTxAri: number;
  gmmTxStability: number;
  gmmAlgorithm: string;
  /** Customers of the store's model whose single-day cluster membership disagrees with their purchase days (null: no such cluster). */
  singleDayMisplaced: number | null;
}

describe.each<MixName>(['demo', 'balanced'])('clusters against the latent customer types (%s mix)', (mix) => {
  let db: TestDb;
  let tx: TestDb;
  let tmp: string;
  let m: Measured;
  const featuresOf = async (ds: DataSource, id: number): Promise<string[]> => (await ds.query(`SELECT feature_names FROM model_version WHERE id = $1`, [id]))[0].feature_names;

  beforeAll(async () => {
    db = await createTestDb();
    tx = await createTestDb();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-truth-'));
    await seedWarehouse(db.ds, { customers: CUSTOMERS, seed: 11, mix });

    const a = await train(db.ds, { seed: 1, fitSampleSize: 20_000, singleDayCluster: true });
    const b = await train(db.ds, { seed: 2, fitSampleSize: 20_000, singleDayCluster: true });
    const olist = await truthAndClusters(db.ds, a.modelId, 'id');

    // The same purchases as a plain (customer, date, amount) log, imported like any other transaction log.
    const orders: { cust: string; day: string; amount: number }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS cust, to_char(f.purchased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, f.value::float8 AS amount
         FROM order_fact f JOIN customer c ON c.id = f.customer_id WHERE f.is_purchase AND f.value IS NOT NULL ORDER BY f.order_id`,
    );
    const truth: { unique_id: string; latent_type: string }[] = await db.ds.query(
      `SELECT c.customer_unique_id AS unique_id, st.latent_type FROM seed_truth st JOIN customer c ON c.id = st.customer_id`,
    );
    const file = path.join(tmp, `${mix}.csv`);
    fs.writeFileSync(file, 'customer,date,amount\n' + orders.map((o) => `${o.cust},${o.day},${o.amount.toFixed(2)}`).join('\n') + '\n');
    await importTransactions(tx.ds, file, { customerCol: 'customer', dateCol: 'date', amountCol: 'amount', keepDuplicates: true });
    await tx.ds.query(`CREATE TABLE truth_by_unique (unique_id text PRIMARY KEY, latent_type text NOT NULL)`);
    await tx.ds.query(`INSERT INTO truth_by_unique SELECT * FROM unnest($1::text[], $2::text[])`, [truth.map((t) => t.unique_id), truth.map((t) => t.latent_type)]);
    const [asOf] = await db.ds.query(`SELECT max(as_of) AS as_of FROM seed_truth`);
    const t = await train(tx.ds, { seed: 1, fitSampleSize: 20_000, asOf: new Date(asOf.as_of), singleDayCluster: true });
    const log = await truthAndClusters(tx.ds, t.modelId, 'unique');
    const gmm = GMM_MIXES.has(mix);
    const g1 = gmm ? await train(tx.ds, { seed: 1, fitSampleSize: 20_000, asOf: new Date(asOf.as_of), algorithm: 'gmm', singleDayCluster: true }) : null;
    const g2 = gmm ? await train(tx.ds, { seed: 2, fitSampleSize: 20_000, asOf: new Date(asOf.as_of), algorithm: 'gmm', singleDayCluster: true }) : null;
    const gLog = g1 ? await truthAndClusters(tx.ds, g1.modelId, 'unique') : null;

    m = {
      olistAri: adjustedRandIndex(olist.truth, olist.cluster),
      olistStability: stability(await clusterLabels(db.ds, a.modelId), await clusterLabels(db.ds, b.modelId)),
      olistFeatures: await featuresOf(db.ds, a.modelId),
      olistDropped: (await db.ds.query(`SELECT metrics FROM model_version WHERE id = $1`, [a.modelId]))[0].metrics.droppedFeatures,
      txAri: adjustedRandIndex(log.truth, log.cluster),
      txFeatures: await featuresOf(tx.ds, t.modelId),
      gmmTxAri: gLog ? adjustedRandIndex(gLog.truth, gLog.cluster) : NaN,
      gmmTxStability: g1 && g2 ? stability(await clusterLabels(tx.ds, g1.modelId), await clusterLabels(tx.ds, g2.modelId)) : NaN,
      gmmAlgorithm: g1 ? (await tx.ds.query(`SELECT algorithm FROM model_version WHERE id = $1`, [g1.modelId]))[0].algorithm : '',
      singleDayMisplaced: (
        await db.ds.query(
          `SELECT CASE WHEN mv.metrics->'singleDayCluster' = 'null' THEN NULL ELSE
                  count(*) FILTER (WHERE (f.purchase_days = 1) <> (cs.cluster_id = (mv.metrics->'singleDayCluster'->>'clusterId')::int))::int END AS n
             FROM model_version mv JOIN customer_segment cs ON cs.model_version_id = mv.id
             JOIN customer_features f ON f.snapshot_id = mv.snapshot_id AND f.customer_id = cs.customer_id
            WHERE mv.id = $1 GROUP BY mv.metrics`,
          [a.modelId],
        )
      )[0].n,
    };
    console.log(`${mix} mix, ${CUSTOMERS} customers: store k=${a.k} ARI ${m.olistAri.toFixed(3)}, seeds ARI ${m.olistStability.toFixed(3)}; transaction log k=${t.k} ARI ${m.txAri.toFixed(3)}; ${g1 ? `gmm on the log k=${g1.k} (retrain ${g1.durationMs} ms) ARI ${m.gmmTxAri.toFixed(3)}, seeds ARI ${m.gmmTxStability.toFixed(3)}` : 'gmm not measured on this mix'}`);
  }, 600_000);
  afterAll(async () => {
    await db?.drop();
    await tx?.drop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the customers who bought on a single day are one cluster, exactly', () => {
    expect(m.singleDayMisplaced).toBe(0);
  });

  it('the log clusters on the behavioural space, the store on it and its order details', () => {
    expect(m.olistFeatures).toEqual([
      'recencyDays', 'frequency', 'monetary', 'tenureDays', 'meanInterpurchaseDays', 'avgOrderValue',
      'avgReviewScore', 'lateDeliveryShare', 'meanInstallments',
    ]);
    expect(m.olistDropped).toEqual([]);
    expect(m.txFeatures).toEqual(['recencyDays', 'frequency', 'monetary', 'tenureDays', 'meanInterpurchaseDays', 'avgOrderValue']);
  });

  // Met on the demo mix, a known gap on the balanced one. Measured with KMeans (store seed 11), the single-day
  // buyers a cluster of their own: demo 0.816 (k = 3; store seeds 12 and 13: 0.820, 0.807), balanced 0.485 (k = 3;
  // 0.456, 0.567; at k = 6, the number of types, 0.631). Clustering everyone together: demo 0.51 (k = 2), balanced
  // 0.34 (k = 6).
  const recovery = mix === 'demo' ? it : it.failing;
  recovery(`recovers the types on the store at ARI ≥ 0.70${mix === 'demo' ? '' : ' (known gap)'}`, () => {
    expect(m.olistAri).toBeGreaterThanOrEqual(0.7);
  });

  // Measured with KMeans, single-day buyers apart: demo 0.832 (k = 5), balanced 0.468 (k = 3); together: 0.49, 0.42.
  recovery(`recovers the types on the transaction log at ARI ≥ 0.70${mix === 'demo' ? '' : ' (known gap)'}`, () => {
    expect(m.txAri).toBeGreaterThanOrEqual(0.7);
  });

  // Measured (store seed 11): demo 1.000, balanced 0.995 (seeds 1–4: 0.992–0.995). With 3 restarts per k in the
  // search and criterion samples drawn from the seed, the balanced mix's seeds chose k = 5 or 6 (0.883).
  it('retrains with another seed agree at ARI ≥ 0.95', () => {
    expect(m.olistStability).toBeGreaterThanOrEqual(0.95);
  });

  const gmmIt = GMM_MIXES.has(mix) ? it : it.skip;
  gmmIt('the mixture engine is recorded on the model version', () => {
    expect(m.gmmAlgorithm).toBe('gmm');
  });

  // Measured, single-day buyers apart: demo 0.840 (k = 6), balanced 0.645 (k = 6; the supervised bound is 0.63–0.68).
  // Clustering everyone: demo 0.505 (k = 4), balanced 0.64.
  (GMM_MIXES.has(mix) ? recovery : it.skip)(`the Gaussian mixture recovers the types on the transaction log at ARI ≥ 0.70${mix === 'demo' ? '' : ' (known gap)'}`, () => {
    expect(m.gmmTxAri).toBeGreaterThanOrEqual(0.7);
  });

  gmmIt('the Gaussian mixture retrained with another seed agrees at ARI ≥ 0.95 on the transaction log', () => {
    expect(m.gmmTxStability).toBeGreaterThanOrEqual(0.95);
  });
});
