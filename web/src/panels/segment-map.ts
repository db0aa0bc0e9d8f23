import { gql } from '../api';
import { clusterColor, renderChart } from '../charts';
import type { DashboardContext } from '../context';
import { byId, escapeHtml, fmt } from '../dom';
import { Panel } from '../panel';
import { SEGMENT_MAP, type SegmentMapData } from '../queries';

type Point = SegmentMapData['segmentMap']['points'][number];

/** The clusters on the PCA plane: one scatter series per cluster, centroids labelled with the cluster names. */
export function segmentMap(ctx: DashboardContext) {
  const panel = new Panel('map');
  const el = byId('segment-map-chart');
  const sample = byId('map-sample');

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const { segmentMap: map } = await gql<SegmentMapData>(SEGMENT_MAP, { modelId: ctx.modelId });
      el.dataset.points = String(map.points.length);
      el.dataset.centroids = String(map.centroids.length);
      const total = ctx.modelCustomers;
      sample.textContent = total !== null && map.points.length < total ? `Sample of ${fmt.int(map.points.length)} of ${fmt.int(total)} customers.` : `All ${fmt.int(map.points.length)} customers.`;
      sample.dataset.points = String(map.points.length);
      sample.dataset.total = String(total ?? '');
      if (map.points.length === 0) {
        panel.empty('The model has no projection to draw.');
        return;
      }
      const names = new Map(map.centroids.map((c) => [c.clusterId, c.name]));
      const byCluster = new Map<string, Point[]>();
      for (const p of map.points) {
        const list = byCluster.get(p.clusterId) ?? [];
        list.push(p);
        byCluster.set(p.clusterId, list);
      }
      const ids = [...new Set([...map.centroids.map((c) => c.clusterId), ...byCluster.keys()])];
      const [ev1, ev2] = map.explainedVariance;
      const big = map.points.length > 4000;

      const chart = renderChart(el, {
        color: ids.map((id) => clusterColor(id)),
        legend: { top: 0, type: 'scroll', data: ids.map((id) => names.get(id) ?? `Cluster ${id}`) },
        grid: { left: 48, right: 16, top: 36, bottom: 40 },
        xAxis: { type: 'value', name: ev1 === undefined ? 'PC1' : `PC1 (${fmt.pct(ev1, 0)} of variance)`, nameLocation: 'middle', nameGap: 26, splitLine: { lineStyle: { color: '#eef1f4' } } },
        yAxis: { type: 'value', name: ev2 === undefined ? 'PC2' : `PC2 (${fmt.pct(ev2, 0)})`, nameLocation: 'middle', nameGap: 32, splitLine: { lineStyle: { color: '#eef1f4' } } },
        tooltip: {
          trigger: 'item',
          formatter: (p: { seriesName: string; data: { value: number[]; id?: string; name?: string } }) =>
            p.data.id
              ? `<b>${escapeHtml(p.data.id)}</b><br>${escapeHtml(p.seriesName)}<br><span class="tip-hint">click to look up</span>`
              : `<b>${escapeHtml(p.data.name ?? '')}</b><br>cluster centre<br><span class="tip-hint">click to list its customers</span>`,
        },
        series: [
          ...ids.map((id) => ({
            type: 'scatter',
            name: names.get(id) ?? `Cluster ${id}`,
            symbolSize: big ? 3 : 5,
            large: big,
            itemStyle: { color: clusterColor(id), opacity: 0.55 },
            emphasis: { itemStyle: { opacity: 1 } },
            data: (byCluster.get(id) ?? []).map((p) => ({ value: [p.x, p.y], id: p.customerId })),
          })),
          {
            type: 'scatter',
            name: 'Centres',
            symbol: 'diamond',
            symbolSize: 18,
            z: 10,
            itemStyle: { borderColor: '#111', borderWidth: 1.5 },
            label: {
              show: true,
              formatter: '{b}',
              position: 'top',
              fontWeight: 'bold',
              color: '#111',
              backgroundColor: 'rgba(255,255,255,0.88)',
              padding: [2, 5],
              borderRadius: 3,
            },
            labelLayout: { hideOverlap: false, moveOverlap: 'shiftY' },
            data: map.centroids.map((c) => ({ value: [c.x, c.y], name: c.name, clusterId: c.clusterId, itemStyle: { color: clusterColor(c.clusterId) } })),
          },
        ],
      });
      chart.off('click');
      chart.on('click', (p) => {
        const d = p.data as { id?: string; clusterId?: string } | undefined;
        if (d?.id) ctx.lookup(d.id);
        else if (d?.clusterId) ctx.openSegment('CLUSTER', d.clusterId);
      });
    });
  }

  return { load };
}
