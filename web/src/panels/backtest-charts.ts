import { gql } from '../api';
import { fmt, h } from '../dom';

/**
 * The latest backtest beside the model versions: the decision backtest as a gain chart (share of the value
 * really lost reached when acting on 10/20/30% of customers, per ranking) and the calibration curve of
 * churnProbability (mean predicted vs observed no-purchase rate per 10% bin, with Brier and ECE). Plain SVG.
 */
export const LATEST_BACKTEST = /* GraphQL */ `
  query DashboardLatestBacktest {
    backtests(first: 1) { id cutoff horizonDays status results }
  }
`;

interface GainPoint { coverage: number; captured: number }
interface BacktestView {
  id: string;
  cutoff: string;
  horizonDays: number;
  status: string;
  results: {
    decision?: { lostValue: string; rankings: { ranking: string; points: GainPoint[] }[] };
    churnCalibration?: { brier: number; ece: number; source: string; reliability: { meanPredicted: number | null; observedRate: number | null; count: number }[] } | null;
  } | null;
}

const NS = 'http://www.w3.org/2000/svg';
const W = 260;
const H = 200;
const PAD = 28;
const COLORS = ['#1f6feb', '#2da44e', '#8250df', '#bf3989', '#9a6700', '#cf222e', '#57606a'];

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** x, y in [0, 1] → chart coordinates. */
const px = (x: number) => PAD + x * (W - 2 * PAD);
const py = (y: number) => H - PAD - y * (H - 2 * PAD);

function frame(title: string, xLabel: string, yLabel: string, xMax: number): SVGElement {
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'mini-chart' });
  s.append(svg('line', { x1: px(0), y1: py(0), x2: px(1), y2: py(0), stroke: '#888' }), svg('line', { x1: px(0), y1: py(0), x2: px(0), y2: py(1), stroke: '#888' }));
  const xl = svg('text', { x: W / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 10 });
  xl.textContent = `${xLabel} (0–${fmt.pct(xMax, 0)})`;
  const yl = svg('text', { x: 4, y: PAD - 8, 'font-size': 10 });
  yl.textContent = yLabel;
  s.append(xl, yl);
  return s;
}

function gainChart(rankings: { ranking: string; points: GainPoint[] }[]): HTMLElement {
  const xMax = 0.3;
  const s = frame('Gain chart: share of value lost reached by coverage', 'customers acted on', 'share of value lost', xMax);
  const legend = h('ul', { class: 'chart-legend' });
  rankings.forEach((r, i) => {
    const pts = [{ coverage: 0, captured: 0 }, ...r.points].map((p) => `${px(p.coverage / xMax)},${py(p.captured)}`).join(' ');
    s.append(svg('polyline', { points: pts, fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 2 }));
    legend.append(h('li', { style: `color:${COLORS[i % COLORS.length]}` }, `${r.ranking}: ${r.points.map((p) => fmt.pct(p.captured, 0)).join(' / ')}`));
  });
  return h('figure', { class: 'backtest-gain' }, s as unknown as HTMLElement, legend);
}

function calibrationChart(c: NonNullable<NonNullable<BacktestView['results']>['churnCalibration']>): HTMLElement {
  const s = frame('Calibration curve of the churn probability', 'predicted P(no purchase)', 'observed rate', 1);
  s.append(svg('line', { x1: px(0), y1: py(0), x2: px(1), y2: py(1), stroke: '#bbb', 'stroke-dasharray': '3 3' }));
  const pts = c.reliability.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observedRate !== null);
  s.append(svg('polyline', { points: pts.map((b) => `${px(b.meanPredicted as number)},${py(b.observedRate as number)}`).join(' '), fill: 'none', stroke: COLORS[0], 'stroke-width': 2 }));
  for (const b of pts) s.append(svg('circle', { cx: px(b.meanPredicted as number), cy: py(b.observedRate as number), r: 3, fill: COLORS[0] }));
  return h('figure', { class: 'backtest-calibration' }, s as unknown as HTMLElement, h('figcaption', {}, `${c.source}: Brier ${fmt.dec(c.brier, 3)}, ECE ${fmt.dec(c.ece, 3)}`));
}

/** Renders the latest backtest into `box` (a message when there is none). */
export async function renderLatestBacktest(box: HTMLElement): Promise<void> {
  const data = await gql<{ backtests: BacktestView[] }>(LATEST_BACKTEST);
  const b = data.backtests[0];
  if (!b || !b.results) {
    box.replaceChildren(h('p', { class: 'sub' }, 'No backtest yet: run `segmenta backtest --cutoff DATE` to see the gain chart and calibration curve.'));
    return;
  }
  const parts: HTMLElement[] = [h('h3', {}, `Backtest ${b.id}: cutoff ${b.cutoff.slice(0, 10)}, ${b.horizonDays} days`)];
  if (b.results.decision) parts.push(gainChart(b.results.decision.rankings));
  if (b.results.churnCalibration) parts.push(calibrationChart(b.results.churnCalibration));
  box.replaceChildren(...parts);
}
