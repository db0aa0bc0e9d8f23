import type { DataSource } from 'typeorm';
import { badInput } from '../../shared/errors';
import { Granularity } from './analytics-enums';
import { CURRENT_LOAD, PURCHASE_BOUNDS, timelineAggCtes, timelineResult } from '../../warehouse/bi-sql';
import { DEFAULT_MONTHS } from './analytics-sql';
import { summaryOrLive, type BiSource } from './bi-summary';
import type { ModelRef } from '../../models/model-ref';
import { checkMonths } from './cohort-retention.service';
import { queryRowArrays } from '../common/sql-rows';
import type { TimelinePoint } from './timeline.type';


export interface TimelineOptions {
  granularity?: Granularity | null;
  /** Months covered, counting back from the last month with a purchase (default 24). */
  months?: number | null;
}

/**
 * Monthly purchases (active customers, orders, revenue) as series: "all" (every purchase order),
 * "tier:<churn tier>", "segment:<RFM segment>" and "cluster:<cluster id>" by the assignment of each buyer in `model`.
 * Purchases are first summed per (customer, month), so a customer counts once per month and the three
 * groupings come from one GROUPING SETS pass over those rows. Dense: every month of the window × every series
 * of the model, zeros included, so a chart needs no gap filling. Ordered by period, then all, tiers (HIGH,
 * MEDIUM, LOW), clusters by id, segments by name.
 *
 * Read from the model's timeline cells (bi_timeline_cell) when they were built over the current warehouse
 * load; otherwise (or with `source` 'live', the reference) from order_fact.
 */
export async function timeline(ds: DataSource, model: ModelRef, opts: TimelineOptions = {}, source: BiSource = 'summary'): Promise<TimelinePoint[]> {
  if ((opts.granularity ?? Granularity.MONTH) !== Granularity.MONTH) throw badInput('granularity must be MONTH', { argument: 'granularity' });
  const months = checkMonths(opts.months, DEFAULT_MONTHS, 'months');
  const modelId = model.id;
  const summary = source === 'summary' ? model.summary : null;
  // Prepared, as rows of arrays (queryRowArrays): the dashboard sends this same text on every load, and its
  // ~400 dense rows (24 months × every series) are read once, into the points.
  const fromSummary = summary?.loadCurrent
    ? async () =>
        (await queryRowArrays(
          ds,
          `WITH bounds AS (SELECT last_purchase_month::timestamp AS last, first_purchase_month::timestamp AS first FROM bi_load WHERE load_no = $3 AND load_no = ${CURRENT_LOAD}),
           window_ AS (SELECT last, GREATEST(first, last - make_interval(months => $2 - 1)) AS first FROM bounds),
           agg AS (
             SELECT t.month::timestamp AS month, t.series, t.active, t.orders, t.revenue::float8 AS revenue
               FROM bi_timeline_cell t CROSS JOIN window_ w
              WHERE t.model_version_id = $1 AND t.month >= w.first
           )${timelineResult('$1')}`,
          [modelId, months, summary.loadNo],
          { prepare: true },
        )).map(([period, series, activeCustomers, orders, revenue]) => ({ period, series, activeCustomers, orders, revenue }) as TimelinePoint)
    : null;
  return summaryOrLive(fromSummary, async () =>
    (await ds.query(
      `WITH bounds AS (${PURCHASE_BOUNDS}),
       window_ AS (SELECT last, GREATEST(first, last - make_interval(months => $2 - 1)) AS first FROM bounds),
       ${timelineAggCtes('$1', 'CROSS JOIN window_ w', "AND o.purchased_at >= w.first AT TIME ZONE 'UTC'")}${timelineResult('$1')}`,
      [modelId, months],
    )) as TimelinePoint[]);
}
