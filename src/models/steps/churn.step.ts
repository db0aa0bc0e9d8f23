import type { DataSource } from 'typeorm';
import type { ChurnInputs } from '../../churn/churn-fit';
import { withClient } from '../../db/data-source';
import { lastIncludedDay } from '../../shared/as-of';

export type { TransactionModelKind } from '../../churn/bgnbd';
export type { ChurnEstimates, ChurnInputs, ChurnModelInfo } from '../../churn/churn-fit';

/**
 * The churn models' inputs for every customer of a snapshot, in customer order (see src/churn/churn-fit.ts).
 * `asOf` is the snapshot's cut; T is measured to the last day it includes (src/shared/as-of.ts). A customer first
 * seen on that day gets T = one day rather than 0, which the models refuse (lifetimes gives them T = 0, where they
 * add nothing to the likelihood). Not less than a day: the conditional expectation's hypergeometric series was seen
 * not to finish for MBG/NBD at T = half a day (a + b < 1).
 */
export async function loadChurnInputs(ds: DataSource, snapshotId: number, asOf: Date): Promise<ChurnInputs> {
  const res = await withClient(ds, (c) =>
    c.query<unknown[]>({
      text: `SELECT customer_id,
                    purchase_days - 1,
                    ((last_purchase_at AT TIME ZONE 'UTC')::date - (first_purchase_at AT TIME ZONE 'UTC')::date) / 7.0,
                    GREATEST(EXTRACT(EPOCH FROM ($2::timestamptz - ((first_purchase_at AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC'))) / 604800.0, 1.0 / 7),
                    repeat_monetary_mean,
                    avg_order_value
               FROM customer_features WHERE snapshot_id = $1 ORDER BY customer_id`,
      values: [snapshotId, lastIncludedDay(asOf)],
      rowMode: 'array',
    }),
  );
  const n = res.rows.length;
  const out: ChurnInputs = {
    customerIds: new Int32Array(n),
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    m: new Float64Array(n),
    aov: new Float64Array(n),
  };
  res.rows.forEach((r, i) => {
    out.customerIds[i] = r[0] as number;
    out.x[i] = Number(r[1]);
    out.tx[i] = Number(r[2]);
    out.T[i] = Number(r[3]);
    out.m[i] = r[4] === null ? NaN : Number(r[4]);
    out.aov[i] = r[5] === null ? NaN : Number(r[5]);
  });
  return out;
}
