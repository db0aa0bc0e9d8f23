/**
 * ECharts, bundled: only the chart types and components the dashboard draws are pulled in, so the bundle stays
 * small and nothing is fetched at run time.
 */
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { LabelLayout } from 'echarts/features';
import { CanvasRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';

echarts.use([
  BarChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  MarkPointComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  LabelLayout,
  CanvasRenderer,
]);

export type ChartOption = EChartsCoreOption;

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];

/**
 * A cluster's colour, from its stable id: the same cluster has the same colour on every chart, and keeps it
 * across retrains that continue it.
 */
export function clusterColor(clusterId: string): string {
  const n = Number(clusterId);
  let i = Number.isInteger(n) && n > 0 ? n - 1 : 0;
  if (!Number.isInteger(n)) for (const ch of clusterId) i = (i * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[i % PALETTE.length];
}

export const TIER_COLORS: Record<string, string> = { HIGH: '#d62728', MEDIUM: '#f0a500', LOW: '#2ca02c' };

/** Diverging blue–white–red for z-scores and a sequential ramp for counts and shares. */
export const DIVERGING = ['#2166ac', '#67a9cf', '#d1e5f0', '#f7f7f7', '#fddbc7', '#ef8a62', '#b2182b'];
export const SEQUENTIAL = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'];
export const RISK = ['#2ca02c', '#f0a500', '#d62728'];

const charts = new Map<string, echarts.ECharts>();

const TEXT_STYLE = { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', fontSize: 12, color: '#1f2933' };

/**
 * Draws (or redraws) the chart in `el`, replacing its previous option. Charts resize with their container.
 * `el.id` names the chart for chartOption().
 */
export function renderChart(el: HTMLElement, option: ChartOption): echarts.ECharts {
  let chart = echarts.getInstanceByDom(el);
  if (!chart) {
    chart = echarts.init(el, null, { renderer: 'canvas' });
    const c = chart;
    new ResizeObserver(() => c.resize()).observe(el);
  }
  chart.setOption({ textStyle: TEXT_STYLE, animation: false, ...option }, { notMerge: true });
  charts.set(el.id, chart);
  return chart;
}

/** The current option of a chart by its element id (what is drawn), for tests and debugging. */
export function chartOption(id: string): unknown {
  return charts.get(id)?.getOption() ?? null;
}

/** Where a data value is drawn in a chart, in pixels from the chart's top left (tests click real points with it). */
export function chartPixel(id: string, seriesIndex: number, value: number[]): number[] | null {
  const chart = charts.get(id);
  return chart ? (chart.convertToPixel({ seriesIndex }, value) as number[]) : null;
}

/**
 * Width each category label may take so that neighbouring labels never run into each other: the plot's width
 * (the element's, less `reserved` pixels of margins and other axis labels) shared by `count` categories.
 */
export function categoryLabelWidth(el: HTMLElement, count: number, reserved: number): number {
  const plot = Math.max(120, (el.clientWidth || 600) - reserved);
  return Math.max(36, Math.floor(plot / Math.max(1, count)) - 6);
}

let measurer: CanvasRenderingContext2D | null = null;

/** Pixel width of the widest text at the charts' font (ECharts' own estimate can clip long category labels). */
export function textWidth(texts: string[], fontSize = 12): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return Math.max(0, ...texts.map((t) => t.length * fontSize * 0.6));
  measurer.font = `${fontSize}px ${TEXT_STYLE.fontFamily}`;
  return Math.ceil(Math.max(0, ...texts.map((t) => measurer!.measureText(t).width)));
}
