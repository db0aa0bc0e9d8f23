import type { DataSource } from 'typeorm';
import { badInput } from '../../shared/errors';
import { Granularity } from './analytics-enums';
import { DEFAULT_MONTHS, monthOf } from './analytics-sql';
import { checkMonths } from './cohort-retention.service';
import type { TimelinePoint } from './timeline.type';

type Db = Pick<DataSource, 'query'>;

export interface TimelineOptions {
  granularity?: Granularity | null;
  /** Months covered, counting back from the last month with a purchase (default 24). */
  months?: number | null;
}

/**
 * Monthly purchases (active customers, orders, revenue) as series: "all" (every purchase order),
 * "tier:<churn tier>", "segment:<RFM segment>" and "cluster:<cluster id>" by the assignment of each buyer in model
 * `modelId`.
 * Purchases are first summed per (customer, month), so a customer counts once per month and the three
 * groupings come from one GROUPING SETS pass over those rows. Dense: every month of the window × every series
 * of the model, zeros included, so a chart needs no gap filling. Ordered by period, then all, tiers (HIGH,
 * MEDIUM, LOW), clusters by id, segments by name.
 */
export async function timeline(ds: Db, modelId: number, opts: TimelineOptions = {}): Promise<TimelinePoint[]> {
  if ((opts.granularity ?? Granularity.MONTH) !== Granularity.MONTH) throw badInput('granularity must be MONTH', { argument: 'granularity' });
  const months = checkMonths(opts.months, DEFAULT_MONTHS, 'months');
  return (await ds.query(
    `WITH bounds AS (
       SELECT ${monthOf('max(purchased_at)')} AS last, ${monthOf('min(purchased_at)')} AS first FROM order_fact WHERE is_purchase
     ),
     window_ AS (SELECT last, GREATEST(first, last - make_interval(months => $2 - 1)) AS first FROM bounds),
     customer_month AS (
       SELECT o.customer_id, ${monthOf('o.purchased_at')} AS month, count(*) AS orders, COALESCE(sum(o.value), 0) AS revenue
         FROM order_fact o
        CROSS JOIN window_ w
        WHERE o.is_purchase AND o.purchased_at >= w.first AT TIME ZONE 'UTC'
        GROUP BY 1, 2
     ),
     agg AS (
       SELECT p.month,
              CASE WHEN GROUPING(cs.churn_tier) = 0 THEN 'tier:' || cs.churn_tier
                   WHEN GROUPING(cs.rfm_segment) = 0 THEN 'segment:' || cs.rfm_segment
                   WHEN GROUPING(cs.cluster_id) = 0 THEN 'cluster:' || cs.cluster_id
                   ELSE 'all' END AS series,
              count(*)::int AS active, sum(p.orders)::int AS orders, sum(p.revenue)::float8 AS revenue
         FROM customer_month p
         LEFT JOIN customer_segment cs ON cs.model_version_id = $1 AND cs.customer_id = p.customer_id
        GROUP BY GROUPING SETS ((p.month), (p.month, cs.churn_tier), (p.month, cs.rfm_segment), (p.month, cs.cluster_id))
     ),
     series AS (
       SELECT 'all' AS series, 0 AS ord
       UNION ALL SELECT 'tier:' || t, o FROM unnest(ARRAY['HIGH', 'MEDIUM', 'LOW']) WITH ORDINALITY AS t(t, o)
       UNION ALL SELECT 'cluster:' || segment_key, 5 FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER'
       UNION ALL SELECT 'segment:' || segment_key, 10 FROM segment_profile WHERE model_version_id = $1 AND kind = 'RFM'
     ),
     periods AS (SELECT generate_series(w.first, w.last, interval '1 month') AS month FROM window_ w)
     SELECT to_char(p.month, 'YYYY-MM') AS period, s.series, COALESCE(a.active, 0) AS "activeCustomers",
            COALESCE(a.orders, 0) AS orders, COALESCE(a.revenue, 0)::float8 AS revenue
       FROM periods p
      CROSS JOIN series s
       LEFT JOIN agg a ON a.month = p.month AND a.series = s.series
      ORDER BY p.month, s.ord, length(s.series), s.series`,
    [modelId, months],
  )) as TimelinePoint[];
}
