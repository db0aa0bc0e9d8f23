import { gql } from '../api';
import { BRAZIL_OUTLINE } from '../brazil';
import { RISK, renderChart } from '../charts';
import type { DashboardContext } from '../context';
import { byId, escapeHtml, fmt, h } from '../dom';
import { Panel } from '../panel';
import { GEO_SEGMENTS, type GeoSegment, type GeoSegmentsData } from '../queries';

/** States at their centres on longitude/latitude axes over a rough outline: size = customers, colour = churn risk. */
export function geoView(ctx: DashboardContext) {
  const panel = new Panel('geo');
  const el = byId('geo-chart');

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const states = (await gql<GeoSegmentsData>(GEO_SEGMENTS, { modelId: ctx.modelId })).geoSegments;
      const placed = states.filter((s): s is GeoSegment & { lat: number; lng: number } => s.lat !== null && s.lng !== null);
      el.dataset.states = String(states.length);
      el.dataset.placed = String(placed.length);
      if (placed.length === 0) {
        panel.empty('No customer has a known location (a transaction log without regions?).');
        return;
      }
      const maxCustomers = Math.max(...placed.map((s) => s.customers));
      const risks = placed.map((s) => s.churnRisk).filter((r): r is number => r !== null);
      // One absolute scale, 0 % green to 100 % red: red always means risk, whatever the spread between states.
      const lo = 0;
      const hi = 1;
      const datalist = document.getElementById('dd-states');
      datalist?.replaceChildren(...states.map((s) => h('option', { value: s.state }, s.stateName ?? s.state)));
      // Outside Brazil (other countries' regions), widen the frame to the data.
      const lngs = [...placed.map((s) => s.lng), ...BRAZIL_OUTLINE.map((p) => p[0])];
      const lats = [...placed.map((s) => s.lat), ...BRAZIL_OUTLINE.map((p) => p[1])];
      const box = { minLng: Math.floor(Math.min(...lngs)) - 1, maxLng: Math.ceil(Math.max(...lngs)) + 1, minLat: Math.floor(Math.min(...lats)) - 1, maxLat: Math.ceil(Math.max(...lats)) + 1 };

      const chart = renderChart(el, {
        grid: { left: 40, right: 96, top: 12, bottom: 28 },
        xAxis: { type: 'value', min: box.minLng, max: box.maxLng, axisLine: { onZero: false }, axisLabel: { formatter: (v: number) => `${-v}°W` }, splitLine: { show: false } },
        yAxis: { type: 'value', min: box.minLat, max: box.maxLat, axisLine: { onZero: false }, axisLabel: { formatter: (v: number) => (v < 0 ? `${-v}°S` : `${v}°N`) }, splitLine: { show: false } },
        visualMap: {
          type: 'continuous',
          seriesIndex: 1,
          dimension: 2,
          min: lo,
          max: hi,
          right: 0,
          top: 'middle',
          itemHeight: 140,
          itemWidth: 10,
          text: [`${fmt.pct(hi, 0)} churn risk`, fmt.pct(lo, 0)],
          formatter: (v: number) => fmt.pct(v, 0),
          inRange: { color: RISK },
        },
        tooltip: {
          trigger: 'item',
          formatter: (p: { seriesIndex: number; data: { state: GeoSegment } }) => {
            if (p.seriesIndex !== 1) return '';
            const s = p.data.state;
            return `<b>${escapeHtml(s.stateName ?? s.state)}</b> (${escapeHtml(s.state)})<br>${escapeHtml(fmt.int(s.customers))} customers<br>churn risk ${escapeHtml(fmt.pct(s.churnRisk))}<br>revenue ${escapeHtml(ctx.money.format(s.revenue))}${s.topSegment ? `<br>largest RFM segment: ${escapeHtml(s.topSegment)}` : ''}`;
          },
        },
        series: [
          {
            type: 'custom',
            silent: true,
            z: 1,
            renderItem: (_params: unknown, api: { coord: (p: [number, number]) => number[] }) => ({
              type: 'polygon',
              shape: { points: BRAZIL_OUTLINE.map((p) => api.coord(p)) },
              style: { fill: '#eef2f6', stroke: '#9aa5b1', lineWidth: 1 },
            }),
            data: [0],
            tooltip: { show: false },
          },
          {
            type: 'scatter',
            z: 3,
            data: placed.map((s) => ({ value: [s.lng, s.lat, s.churnRisk ?? lo], name: s.state, state: s })),
            symbolSize: (v: number[], p: { data: { state: GeoSegment } }) => 8 + 34 * Math.sqrt(p.data.state.customers / maxCustomers),
            itemStyle: { opacity: 0.85, borderColor: '#fff', borderWidth: 1 },
            label: { show: true, formatter: '{b}', position: 'right', fontSize: 10, color: '#3e4c59' },
            labelLayout: { hideOverlap: true },
          },
        ],
      });
      keepSquare(chart, el, box);
    });
  }

  return { load };
}

let fitMap: (() => void) | null = null;
let observer: ResizeObserver | null = null;

/** Degrees on both axes at the same scale, so the map is not stretched whatever the card's width. */
function keepSquare(chart: ReturnType<typeof renderChart>, el: HTMLElement, box: { minLng: number; maxLng: number; minLat: number; maxLat: number }): void {
  fitMap = () => {
    const w = el.clientWidth - 40 - 96;
    const hgt = el.clientHeight - 12 - 28;
    if (w <= 0 || hgt <= 0) return;
    const scale = Math.min(w / (box.maxLng - box.minLng), hgt / (box.maxLat - box.minLat));
    const gw = scale * (box.maxLng - box.minLng);
    const gh = scale * (box.maxLat - box.minLat);
    chart.setOption({ grid: { left: 40 + (w - gw) / 2, width: gw, top: 12 + (hgt - gh) / 2, height: gh, right: null, bottom: null } });
  };
  fitMap();
  observer ??= new ResizeObserver(() => fitMap?.());
  observer.observe(el);
}
