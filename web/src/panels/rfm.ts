import { gql } from '../api';
import { SEQUENTIAL, categoryLabelWidth, renderChart, textWidth } from '../charts';
import type { DashboardContext } from '../context';
import { byId, escapeHtml, fmt, h } from '../dom';
import { Panel } from '../panel';
import { RFM_GRID, SEGMENT_OVERLAP, type RfmCell, type RfmGridData, type SegmentOverlapData } from '../queries';

type Measure = 'customers' | 'revenue';

/** The 5 × 5 RFM grid: recency score × frequency score, customers or revenue per cell, named by segment. */
export function rfmGrid(ctx: DashboardContext) {
  const panel = new Panel('rfm');
  const el = byId('rfm-chart');
  let measure: Measure = 'customers';
  let cells: RfmCell[] = [];

  panel.toggle('measure', (v) => {
    measure = v as Measure;
    if (cells.length) draw();
  });

  function draw(): void {
    el.dataset.measure = measure;
    const values = cells.map((c) => c[measure]);
    const total = values.reduce((a, b) => a + b, 0);
    el.dataset.total = String(Math.round(total * 100) / 100);
    const show = (v: number) => (measure === 'customers' ? fmt.int(v) : ctx.money.compact(v));
    const wide = (el.clientWidth || 600) - 112 >= 5 * 84;
    const chart = renderChart(el, {
      grid: { left: 88, right: 24, top: 8, bottom: 72 },
      xAxis: { type: 'category', name: 'Frequency score', nameLocation: 'middle', nameGap: 26, data: ['1', '2', '3', '4', '5'], axisTick: { show: false } },
      yAxis: { type: 'category', name: 'Recency score', nameLocation: 'middle', nameGap: 28, data: ['1', '2', '3', '4', '5'], axisTick: { show: false } },
      visualMap: {
        type: 'continuous',
        min: 0,
        max: Math.max(1, ...values),
        dimension: 2,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        itemHeight: 160,
        itemWidth: 10,
        text: [measure === 'customers' ? 'more customers' : 'more revenue', '0'],
        inRange: { color: SEQUENTIAL },
        formatter: (v: number) => show(v),
      },
      tooltip: {
        formatter: (p: { data: { value: [number, number, number]; cell: RfmCell } }) => {
          const c = p.data.cell;
          return `<b>${escapeHtml(c.segment)}</b><br>R ${c.r} · F ${c.f}<br>${escapeHtml(fmt.int(c.customers))} customers<br>revenue ${escapeHtml(ctx.money.format(c.revenue))}<br>${escapeHtml(fmt.pct(total ? c[measure] / total : 0))} of the ${measure}`;
        },
      },
      series: [
        {
          type: 'heatmap',
          data: cells.map((c) => ({ value: [c.f - 1, c.r - 1, c[measure]], cell: c })),
          label: {
            show: true,
            // Segment names only where a cell is wide enough for them (not on a phone).
            formatter: (p: { data: { value: [number, number, number]; cell: RfmCell } }) =>
              wide ? `{n|${show(p.data.value[2])}}\n{seg|${p.data.cell.segment.replace(/[{}|]/g, '')}}` : `{n|${show(p.data.value[2])}}`,
            rich: { n: { fontSize: 13, fontWeight: 'bold', lineHeight: 17 }, seg: { fontSize: 10, lineHeight: 13 } },
          },
          itemStyle: { borderColor: '#fff', borderWidth: 2 },
          cursor: 'pointer',
        },
      ],
    });
    chart.off('click');
    chart.on('click', (p) => {
      const cell = (p.data as { cell?: RfmCell } | undefined)?.cell;
      if (cell) ctx.openSegment('RFM', cell.segment);
    });
  }

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      cells = (await gql<RfmGridData>(RFM_GRID, { modelId: ctx.modelId })).rfmGrid;
      el.dataset.cells = String(cells.length);
      if (cells.every((c) => c.customers === 0)) panel.empty('No customer has RFM scores in this model.');
      draw();
    });
  }

  return { load };
}

/** RFM segment × cluster counts and the adjusted Rand index between the two segmentations. */
export function segmentOverlap(ctx: DashboardContext) {
  const panel = new Panel('overlap');
  const el = byId('overlap-chart');
  const stats = byId('overlap-stats');

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const { segmentOverlap: o } = await gql<SegmentOverlapData>(SEGMENT_OVERLAP, { modelId: ctx.modelId });
      const ari = o.adjustedRandIndex;
      const agreement = ari >= 0.6 ? 'largely the same groups' : ari >= 0.3 ? 'partly the same groups' : 'different cuts of the customers';
      stats.replaceChildren(
        h('div', { title: 'Adjusted Rand index: 1 = the same partition, about 0 = unrelated' }, h('dt', {}, 'ARI'), h('dd', { 'data-stat': 'ari', 'data-ari': ari }, fmt.dec(ari, 3))),
        h('div', {}, h('dt', {}, 'Customers'), h('dd', {}, fmt.int(o.customers))),
      );
      byId('overlap-stats').title = `RFM segments and clusters are ${agreement} (ARI ${fmt.dec(ari, 3)})`;
      el.dataset.cells = String(o.cells.length);
      el.dataset.ari = String(ari);
      if (o.cells.length === 0) {
        panel.empty('No customer has both an RFM segment and a cluster.');
        return;
      }
      const clusters = [...new Map(o.cells.map((c) => [c.clusterId, c.clusterName])).entries()].sort((a, b) => Number(a[0]) - Number(b[0]) || a[0].localeCompare(b[0]));
      const segSize = new Map<string, number>();
      for (const c of o.cells) segSize.set(c.rfmSegment, (segSize.get(c.rfmSegment) ?? 0) + c.customers);
      // Largest segment on top.
      const segments = [...segSize.entries()].sort((a, b) => a[1] - b[1]).map(([s]) => s);
      const max = Math.max(...o.cells.map((c) => c.customers));
      renderChart(el, {
        grid: { left: 16, right: 16, top: 8, bottom: 44, containLabel: true },
        xAxis: {
          type: 'category',
          data: clusters.map(([, name]) => name),
          axisLabel: { interval: 0, width: categoryLabelWidth(el, clusters.length, 40 + textWidth(segments)), overflow: 'break', lineHeight: 15, fontWeight: 'bold', color: '#1f2933' },
          axisTick: { show: false },
        },
        yAxis: { type: 'category', data: segments, axisTick: { show: false } },
        visualMap: { show: false, min: 0, max, dimension: 2, inRange: { color: SEQUENTIAL } },
        tooltip: {
          formatter: (p: { data: { value: [number, number, number] } }) => {
            const [x, y, n] = p.data.value;
            return `<b>${escapeHtml(segments[y])}</b> × <b>${escapeHtml(clusters[x][1])}</b><br>${escapeHtml(fmt.int(n))} customers (${escapeHtml(fmt.pct(n / (segSize.get(segments[y]) || 1)))} of the segment)`;
          },
        },
        series: [
          {
            type: 'heatmap',
            data: o.cells.map((c) => ({ value: [clusters.findIndex(([id]) => id === c.clusterId), segments.indexOf(c.rfmSegment), c.customers] })),
            label: { show: true, fontSize: 11, formatter: (p: { data: { value: [number, number, number] } }) => fmt.int(p.data.value[2]) },
            itemStyle: { borderColor: '#fff', borderWidth: 1 },
          },
        ],
      });
    });
  }

  return { load };
}
