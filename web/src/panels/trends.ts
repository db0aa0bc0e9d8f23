import { gql } from '../api';
import { SEQUENTIAL, TIER_COLORS, renderChart } from '../charts';
import type { DashboardContext } from '../context';
import { byId, escapeHtml, fmt } from '../dom';
import { Panel } from '../panel';
import { COHORT_RETENTION, TIMELINE, type CohortRetentionData, type TimelineData, type TimelinePoint } from '../queries';

/** Cohort retention: first-purchase month (rows, oldest on top) × months since (columns), share active. */
export function cohortRetention(_ctx: DashboardContext) {
  const panel = new Panel('cohorts');
  const el = byId('cohorts-chart');

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const cohorts = (await gql<CohortRetentionData>(COHORT_RETENTION, { cohorts: 24 })).cohortRetention;
      el.dataset.cohorts = String(cohorts.length);
      if (cohorts.length === 0) {
        panel.empty('The warehouse has no purchases yet.');
        return;
      }
      const rows = [...cohorts].sort((a, b) => b.cohort.localeCompare(a.cohort)); // category 0 is drawn at the bottom
      const maxOffset = Math.max(...cohorts.flatMap((c) => c.cells.map((x) => x.periodOffset)));
      const data: { value: [number, number, number]; active: number; size: number }[] = [];
      let laterMax = 0;
      rows.forEach((c, y) => {
        for (const cell of c.cells) {
          data.push({ value: [cell.periodOffset, y, cell.share], active: cell.active, size: c.size });
          if (cell.periodOffset > 0) laterMax = Math.max(laterMax, cell.share);
        }
      });
      el.dataset.cells = String(data.length);
      renderChart(el, {
        grid: { left: 92, right: 16, top: 8, bottom: 72 },
        xAxis: { type: 'category', name: 'Months since first purchase', nameLocation: 'middle', nameGap: 26, data: Array.from({ length: maxOffset + 1 }, (_, i) => String(i)), axisTick: { show: false } },
        yAxis: {
          type: 'category',
          data: rows.map((c) => `${c.cohort} (${fmt.int(c.size)})`),
          axisTick: { show: false },
          axisLabel: { fontSize: 11 },
        },
        // Month 0 is 100% by definition: the colour scale follows the later months so that they stay readable.
        visualMap: {
          type: 'continuous',
          min: 0,
          max: Math.max(0.01, laterMax),
          dimension: 2,
          orient: 'horizontal',
          left: 'center',
          bottom: 0,
          itemHeight: 160,
          itemWidth: 10,
          text: [`${fmt.pct(Math.max(0.01, laterMax))}+ active`, '0%'],
          inRange: { color: SEQUENTIAL },
          outOfRange: { color: '#08306b' },
        },
        tooltip: {
          formatter: (p: { data: { value: [number, number, number]; active: number; size: number } }) => {
            const [x, y, share] = p.data.value;
            return `<b>Cohort ${escapeHtml(rows[y].cohort)}</b> (${escapeHtml(fmt.int(p.data.size))} customers)<br>month +${x}: ${escapeHtml(fmt.int(p.data.active))} active, ${escapeHtml(fmt.pct(share))}`;
          },
        },
        series: [{ type: 'heatmap', data, itemStyle: { borderColor: '#fff', borderWidth: 0.5 } }],
      });
    });
  }

  return { load };
}

type Metric = 'activeCustomers' | 'revenue' | 'orders';
const METRIC_LABEL: Record<Metric, string> = { activeCustomers: 'Active customers', revenue: 'Revenue', orders: 'Orders' };

/** Monthly activity of the model's customers by churn tier (stacked bars) and of the whole warehouse (line). */
export function timeline(ctx: DashboardContext) {
  const panel = new Panel('timeline');
  const el = byId('timeline-chart');
  let metric: Metric = 'activeCustomers';
  let points: TimelinePoint[] = [];

  panel.toggle('metric', (v) => {
    metric = v as Metric;
    if (points.length) draw();
  });

  function draw(): void {
    el.dataset.metric = metric;
    const periods = [...new Set(points.map((p) => p.period))].sort();
    const value = new Map(points.map((p) => [`${p.series}|${p.period}`, p[metric]]));
    const series = (name: string) => periods.map((period) => value.get(`${name}|${period}`) ?? 0);
    const format = (v: number) => (metric === 'revenue' ? ctx.money.compact(v) : fmt.int(v));
    const tiers = ['HIGH', 'MEDIUM', 'LOW'].filter((t) => points.some((p) => p.series === `tier:${t}`));
    el.dataset.periods = String(periods.length);
    el.dataset.series = ['all', ...tiers.map((t) => `tier:${t}`)].join(',');
    renderChart(el, {
      legend: { top: 0 },
      grid: { left: 64, right: 24, top: 36, bottom: 32 },
      xAxis: { type: 'category', data: periods, axisTick: { alignWithLabel: true } },
      yAxis: { type: 'value', name: METRIC_LABEL[metric], axisLabel: { formatter: format }, splitLine: { lineStyle: { color: '#eef1f4' } } },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (ps: { seriesName: string; axisValue: string; value: number; marker: string }[]) =>
          `<b>${escapeHtml(ps[0]?.axisValue ?? '')}</b><br>` + ps.map((p) => `${p.marker}${escapeHtml(p.seriesName)}: ${escapeHtml(metric === 'revenue' ? ctx.money.format(p.value) : fmt.int(p.value))}`).join('<br>'),
      },
      series: [
        ...tiers.map((t) => ({
          type: 'bar',
          name: `${t.charAt(0)}${t.slice(1).toLowerCase()} churn risk`,
          stack: 'tiers',
          barMaxWidth: 28,
          itemStyle: { color: TIER_COLORS[t] },
          data: series(`tier:${t}`),
        })),
        { type: 'line', name: 'All customers', symbolSize: 5, itemStyle: { color: '#1f2933' }, lineStyle: { width: 2, type: 'dashed' }, data: series('all') },
      ],
    });
  }

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      points = (await gql<TimelineData>(TIMELINE, { modelId: ctx.modelId, months: 24 })).timeline;
      if (points.length === 0) {
        el.dataset.periods = '0';
        panel.empty('No purchases in the covered months.');
        return;
      }
      draw();
    });
  }

  return { load };
}
