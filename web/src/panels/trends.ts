import { gql } from '../api';
import { SEQUENTIAL, TIER_COLORS, clusterColor, renderChart, textWidth } from '../charts';
import type { DashboardContext } from '../context';
import { byId, escapeHtml, fmt, h } from '../dom';
import { Panel } from '../panel';
import { COHORT_MONTHS, COHORT_RETENTION, COHORT_STATES, TIMELINE, TIMELINE_MONTHS, type CohortRetentionData, type CohortStatesData, type TimelineData, type TimelinePoint } from '../queries';

/** Cohort retention: first-purchase month (rows, oldest on top) × months since (columns), share active. */
export function cohortRetention(_ctx: DashboardContext) {
  const panel = new Panel('cohorts');
  const el = byId('cohorts-chart');
  const picker = byId<HTMLSelectElement>('cohort-state');
  let states: string[] | null = null;
  picker.addEventListener('change', () => void load());

  /** The states that have cohorts, asked once per page load; a chosen state's cohorts are asked for that state alone. */
  async function stateList(): Promise<string[]> {
    if (!states) {
      const known = (await gql<CohortStatesData>(COHORT_STATES, { cohorts: COHORT_MONTHS })).cohortStates.filter((c): c is { state: string; customers: number } => c.state !== null);
      states = known.map((c) => c.state);
      const chosen = picker.value;
      picker.replaceChildren(h('option', { value: '' }, 'All states'), ...known.map((c) => h('option', { value: c.state }, `${c.state} (${fmt.int(c.customers)})`)));
      picker.value = states.includes(chosen) ? chosen : '';
    }
    return states;
  }

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const state = picker.value;
      const cohorts = (await gql<CohortRetentionData>(COHORT_RETENTION, state ? { cohorts: COHORT_MONTHS, by: 'STATE', state } : { cohorts: COHORT_MONTHS })).cohortRetention;
      if (!state) void stateList().catch(() => undefined);
      el.dataset.cohorts = String(cohorts.length);
      el.dataset.cohortState = state;
      if (cohorts.length === 0) {
        panel.empty(state ? `No customer of ${state} has purchases in these months.` : 'The warehouse has no purchases yet.');
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
      // The left margin is the widest label, measured, so no cohort name is clipped at any width.
      const labels = rows.map((c) => `${c.cohort} (${fmt.int(c.size)})`);
      const left = textWidth(labels, 11) + 14;
      const cellWidth = ((el.clientWidth || 600) - left - 12) / (maxOffset + 1);
      el.dataset.labelWidth = String(left);
      renderChart(el, {
        grid: { left, right: 12, top: 8, bottom: 72 },
        xAxis: { type: 'category', name: 'Months since first purchase', nameLocation: 'middle', nameGap: 26, data: Array.from({ length: maxOffset + 1 }, (_, i) => String(i)), axisTick: { show: false } },
        yAxis: {
          type: 'category',
          data: labels,
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
        series: [
          {
            type: 'heatmap',
            data,
            itemStyle: { borderColor: '#fff', borderWidth: 0.5 },
            // Percentages printed in the cells (not only on hover); dropped where the cells get too small to read.
            label: { show: cellWidth >= 17, fontSize: 9, formatter: (p: { data: { value: [number, number, number] } }) => `${Math.round(p.data.value[2] * 100)}`, color: '#102a43' },
          },
        ],
      });
    });
  }

  return { load };
}

type Metric = 'activeCustomers' | 'revenue' | 'orders';
type Group = 'tier' | 'segment' | 'cluster';
const GROUP_TITLE: Record<Group, string> = { tier: 'Activity by churn tier', segment: 'Activity by RFM segment', cluster: 'Activity by cluster' };
const METRIC_LABEL: Record<Metric, string> = { activeCustomers: 'Active customers', revenue: 'Revenue', orders: 'Orders' };

/** Monthly activity of the model's customers by churn tier (stacked bars) and of the whole warehouse (line). */
export function timeline(ctx: DashboardContext) {
  const panel = new Panel('timeline');
  const el = byId('timeline-chart');
  let metric: Metric = 'activeCustomers';
  let points: TimelinePoint[] = [];
  let clusterNames = new Map<string, string>();

  let group: Group = 'tier';
  panel.toggle('metric', (v) => {
    metric = v as Metric;
    if (points.length) draw();
  });
  panel.toggle('group', (v) => {
    group = v as Group;
    if (points.length) draw();
  });

  function draw(): void {
    el.dataset.metric = metric;
    const periods = [...new Set(points.map((p) => p.period))].sort();
    const value = new Map(points.map((p) => [`${p.series}|${p.period}`, p[metric]]));
    const series = (name: string) => periods.map((period) => value.get(`${name}|${period}`) ?? 0);
    const format = (v: number) => (metric === 'revenue' ? ctx.money.compact(v) : fmt.int(v));
    // The stacked series of the chosen grouping, in the API's order (tiers HIGH→LOW, clusters by id, segments by name).
    const stacked = [...new Set(points.map((p) => p.series).filter((name) => name.startsWith(`${group}:`)))];
    el.dataset.group = group;
    el.dataset.periods = String(periods.length);
    el.dataset.series = ['all', ...stacked].join(',');
    byId('timeline-title').textContent = GROUP_TITLE[group];
    const label = (name: string) => {
      const key = name.slice(group.length + 1);
      if (group === 'tier') return `${key.charAt(0)}${key.slice(1).toLowerCase()} churn risk`;
      if (group === 'cluster') return clusterNames.get(key) ?? `Cluster ${key}`;
      return key;
    };
    renderChart(el, {
      // The legend scrolls in its own band above the plot; the axis name sits beside the axis, clear of it.
      legend: { top: 0, left: 0, right: 0, type: 'scroll' },
      grid: { left: 8, right: 16, top: 40, bottom: 28, containLabel: true },
      xAxis: { type: 'category', data: periods, axisTick: { alignWithLabel: true } },
      yAxis: {
        type: 'value',
        name: metric === 'revenue' ? `${METRIC_LABEL[metric]} (${ctx.money.currency})` : METRIC_LABEL[metric],
        nameLocation: 'middle',
        nameGap: 52,
        axisLabel: { formatter: format },
        splitLine: { lineStyle: { color: '#eef1f4' } },
      },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        confine: true,
        formatter: (ps: { seriesName: string; axisValue: string; value: number; marker: string }[]) =>
          `<b>${escapeHtml(ps[0]?.axisValue ?? '')}</b><br>` + ps.map((p) => `${p.marker}${escapeHtml(p.seriesName)}: ${escapeHtml(metric === 'revenue' ? ctx.money.format(p.value) : fmt.int(p.value))}`).join('<br>'),
      },
      series: [
        ...stacked.map((name) => ({
          type: 'bar',
          name: label(name),
          stack: 'groups',
          barMaxWidth: 28,
          itemStyle: { color: group === 'tier' ? TIER_COLORS[name.slice(5)] : group === 'cluster' ? clusterColor(name.slice(8)) : undefined },
          data: series(name),
        })),
        { type: 'line', name: 'All customers', symbolSize: 5, itemStyle: { color: '#1f2933' }, lineStyle: { width: 2, type: 'dashed' }, data: series('all') },
      ],
    });
  }

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const [data, clusters] = await Promise.all([gql<TimelineData>(TIMELINE, { modelId: ctx.modelId, months: TIMELINE_MONTHS }), ctx.segments('CLUSTER')]);
      points = data.timeline;
      clusterNames = new Map(clusters.map((c) => [c.key, c.name]));
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
