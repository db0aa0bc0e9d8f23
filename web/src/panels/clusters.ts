import { gql } from '../api';
import { DIVERGING, categoryLabelWidth, renderChart, textWidth } from '../charts';
import type { DashboardContext } from '../context';
import { byId, escapeHtml, fmt, h, humanize } from '../dom';
import { Panel } from '../panel';
import { CLUSTER_QUALITY, type ClusterQualityData } from '../queries';

/** Cluster profiles: features (rows) × clusters (columns), coloured by z, the deviation from all customers. */
export function clusterProfiles(ctx: DashboardContext) {
  const panel = new Panel('profiles');
  const el = byId('profiles-chart');

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const clusters = await ctx.segments('CLUSTER');
      const features = clusters[0]?.profile.map((f) => f.feature) ?? [];
      el.dataset.clusters = String(clusters.length);
      el.dataset.features = String(features.length);
      if (clusters.length === 0 || features.length === 0) {
        panel.empty('The model has no cluster profiles.');
        return;
      }
      // Rows read top-down in the model's feature order; ECharts draws category 0 at the bottom.
      const rows = [...features].reverse();
      const data: { value: [number, number, number | null]; mean: number | null }[] = [];
      clusters.forEach((c, x) => {
        for (const f of c.profile) data.push({ value: [x, rows.indexOf(f.feature), f.z === null ? null : Math.round(f.z * 100) / 100], mean: f.mean });
      });
      const chart = renderChart(el, {
        grid: { left: 20, right: 24, top: 8, bottom: 78, containLabel: true },
        xAxis: {
          type: 'category',
          data: clusters.map((c) => c.name),
          axisLabel: { interval: 0, width: categoryLabelWidth(el, clusters.length, 40 + textWidth(rows.map(humanize))), overflow: 'break', lineHeight: 15, fontWeight: 'bold' },
          axisTick: { show: false },
        },
        yAxis: { type: 'category', data: rows.map(humanize), axisTick: { show: false } },
        visualMap: {
          type: 'continuous',
          min: -2,
          max: 2,
          dimension: 2,
          calculable: false,
          orient: 'horizontal',
          left: 'center',
          bottom: 0,
          itemHeight: 160,
          itemWidth: 10,
          text: ['above average', 'below'],
          inRange: { color: DIVERGING },
        },
        tooltip: {
          formatter: (p: { data: { value: [number, number, number | null]; mean: number | null } }) => {
            const [x, y, z] = p.data.value;
            return `<b>${escapeHtml(clusters[x].name)}</b><br>${escapeHtml(humanize(rows[y]))}: mean ${escapeHtml(fmt.dec(p.data.mean))}<br>z = ${escapeHtml(fmt.dec(z))}`;
          },
        },
        series: [
          {
            type: 'heatmap',
            data,
            label: { show: true, formatter: (p: { data: { value: [number, number, number | null] } }) => fmt.dec(p.data.value[2], 1), fontSize: 11 },
            itemStyle: { borderColor: '#fff', borderWidth: 1 },
          },
        ],
      });
      chart.off('click');
      chart.on('click', (p) => {
        const x = (p.data as { value?: number[] } | undefined)?.value?.[0];
        if (x !== undefined && clusters[x]) ctx.openSegment('CLUSTER', clusters[x].key);
      });
    });
  }

  return { load };
}

/** The k search: inertia (elbow) and silhouette per k tried, the chosen k marked. */
export function kSearch(ctx: DashboardContext) {
  const panel = new Panel('ksearch');
  const el = byId('ksearch-chart');
  const hint = byId('ksearch-hint');
  const stats = byId('quality-stats');

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const { clusterQuality: q } = await gql<ClusterQualityData>(CLUSTER_QUALITY, { modelId: ctx.modelId });
      el.dataset.chosenK = String(q.k);
      el.dataset.points = String(q.kSearch.length);
      stats.replaceChildren(
        h('div', {}, h('dt', {}, 'k'), h('dd', { 'data-stat': 'k' }, q.k)),
        h('div', {}, h('dt', {}, 'Silhouette'), h('dd', { 'data-stat': 'silhouette' }, fmt.dec(q.silhouette, 3))),
        h('div', {}, h('dt', {}, 'ARI vs previous'), h('dd', { 'data-stat': 'ari' }, q.ariVsPrevious === null ? 'first model' : fmt.dec(q.ariVsPrevious, 2))),
      );
      hint.textContent =
        q.chosenBy === 'fixed'
          ? `k = ${q.k} was given when training; the curve shows the search for reference.`
          : (q.kReason ?? `k = ${q.k} chosen by ${q.chosenBy}.`) + (q.allDegenerate ? ' Every k was degenerate: the least bad one was kept.' : '');
      if (q.kSearch.length === 0) {
        panel.empty(`k = ${q.k} was fixed, so no search was run.`);
        return;
      }
      const pts = [...q.kSearch].sort((a, b) => a.k - b.k);
      const point = (value: number | null, p: (typeof pts)[number]) => ({
        value: [p.k, value],
        symbol: p.degenerate ? 'emptyCircle' : 'circle',
        symbolSize: p.k === q.k ? 11 : 7,
        reason: p.degenerateReason,
        extra: p.bic === null ? '' : `gap ${fmt.dec(p.gap, 3)} ± ${fmt.dec(p.gapSe, 3)}<br>mixture BIC ${fmt.int(p.bic)}`,
      });
      renderChart(el, {
        color: ['#4e79a7', '#e15759', '#59a14f'],
        legend: { top: 0 },
        grid: { left: 64, right: 56, top: 36, bottom: 36 },
        xAxis: { type: 'value', name: 'k', nameLocation: 'middle', nameGap: 24, min: pts[0].k, max: pts[pts.length - 1].k, interval: 1 },
        yAxis: [
          // Axis names beside their axes, so the legend above the plot never covers them.
          { type: 'value', name: 'Inertia', nameLocation: 'middle', nameGap: 44, scale: true, axisLabel: { formatter: (v: number) => fmt.compact(v) }, splitLine: { lineStyle: { color: '#eef1f4' } } },
          { type: 'value', name: 'Silhouette · stability', nameLocation: 'middle', nameGap: 42, scale: true, splitLine: { show: false } },
        ],
        tooltip: {
          trigger: 'axis',
          formatter: (ps: { seriesName: string; data: { value: [number, number | null]; reason: string | null; extra: string } }[]) => {
            const k = ps[0]?.data.value[0];
            const lines = ps.map((p) => `${escapeHtml(p.seriesName)}: ${escapeHtml(p.seriesName === 'Inertia' ? fmt.int(p.data.value[1]) : fmt.dec(p.data.value[1], 3))}`);
            const reason = ps[0]?.data.reason;
            const extra = ps[0]?.data.extra ? `<br>${ps[0].data.extra}` : '';
            return `<b>k = ${escapeHtml(k)}</b>${k === q.k ? ' (chosen)' : ''}<br>${lines.join('<br>')}${extra}${reason ? `<br>degenerate: ${escapeHtml(reason)}` : ''}`;
          },
        },
        series: [
          {
            type: 'line',
            name: 'Inertia',
            yAxisIndex: 0,
            data: pts.map((p) => point(p.inertia, p)),
            markLine: {
              symbol: 'none',
              silent: true,
              lineStyle: { type: 'dashed', color: '#1f2933' },
              label: { formatter: `chosen k = ${q.k}`, position: 'insideEndTop' },
              data: [{ xAxis: q.k }],
            },
          },
          { type: 'line', name: 'Silhouette', yAxisIndex: 1, data: pts.map((p) => point(p.silhouette, p)) },
          ...(pts.some((p) => p.stability !== null) ? [{ type: 'line', name: 'Stability (half-sample ARI)', yAxisIndex: 1, data: pts.map((p) => point(p.stability, p)) }] : []),
        ],
      });
    });
  }

  return { load };
}
