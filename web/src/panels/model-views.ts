import { gql } from '../api';
import type { DashboardContext } from '../context';
import { byId, fmt, h } from '../dom';
import { BACKTESTS, MODEL_COMPARISON, type BacktestsData, type ModelComparisonData, type ModelVersionRow } from '../queries';

/**
 * The Models card's analyses: two versions compared (segment sizes, customers moved between segments) and the
 * list of stored backtest runs under the latest backtest's gain chart and calibration curve (backtest-charts.ts).
 */
export function modelViews(ctx: DashboardContext) {
  const box = byId('compare');
  const fromSel = byId<HTMLSelectElement>('compare-from');
  const toSel = byId<HTMLSelectElement>('compare-to');
  const summary = byId('compare-summary');
  const sizes = byId('compare-sizes').querySelector('tbody') as HTMLTableSectionElement;
  const moves = byId('compare-moves');
  let kind: 'CLUSTER' | 'RFM' = 'CLUSTER';
  let seq = 0;

  const buttons = [...box.querySelectorAll<HTMLButtonElement>('button[data-compare-kind]')];
  for (const b of buttons) {
    b.addEventListener('click', () => {
      for (const o of buttons) o.setAttribute('aria-pressed', String(o === b));
      kind = b.dataset.compareKind === 'RFM' ? 'RFM' : 'CLUSTER';
      void compare();
    });
  }
  fromSel.addEventListener('change', () => void compare());
  toSel.addEventListener('change', () => void compare());

  async function compare(): Promise<void> {
    const from = fromSel.value;
    const to = toSel.value;
    if (!from || !to) return;
    const mine = ++seq;
    box.dataset.state = 'loading';
    try {
      const { modelComparison: c } = await gql<ModelComparisonData>(MODEL_COMPARISON, { from, to, kind });
      if (mine !== seq) return;
      const name = new Map(c.sizes.map((s) => [s.key, s.name]));
      const label = (k: string | null, side: string) => (k === null ? (side === 'from' ? 'new customers' : 'gone') : name.get(k) ?? k);
      summary.textContent = `${fmt.int(c.customersMoved)} of ${fmt.int(c.customersInBoth)} customers in both versions (${fmt.pct(c.customersInBoth ? c.customersMoved / c.customersInBoth : 0)}) changed ${kind === 'CLUSTER' ? 'cluster' : 'RFM segment'} from v${c.from} to v${c.to}.`;
      summary.dataset.moved = String(c.customersMoved);
      summary.dataset.inBoth = String(c.customersInBoth);
      sizes.replaceChildren(
        ...c.sizes.map((s) => {
          const d = s.toSize - s.fromSize;
          return h(
            'tr',
            { 'data-key': s.key, 'data-from': s.fromSize, 'data-to': s.toSize },
            h('td', { 'data-label': 'Segment' }, s.name),
            h('td', { class: 'num', 'data-label': `v${c.from}` }, fmt.int(s.fromSize)),
            h('td', { class: 'num', 'data-label': `v${c.to}` }, fmt.int(s.toSize)),
            h('td', { class: `num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`, 'data-label': 'Change' }, `${d > 0 ? '+' : d < 0 ? '−' : ''}${fmt.int(Math.abs(d))}`),
          );
        }),
      );
      const changed = c.moves.filter((m) => m.fromKey !== m.toKey).slice(0, 8);
      moves.replaceChildren(
        ...(changed.length
          ? changed.map((m) => h('li', { 'data-from-key': m.fromKey ?? '', 'data-to-key': m.toKey ?? '' }, `${label(m.fromKey, 'from')} → ${label(m.toKey, 'to')}: `, h('strong', {}, fmt.int(m.customers))))
          : [h('li', { class: 'muted' }, 'Nobody moved.')]),
      );
      box.dataset.state = 'ready';
      box.dataset.from = c.from;
      box.dataset.to = c.to;
      box.dataset.kind = c.kind;
    } catch (e) {
      if (mine !== seq) return;
      box.dataset.state = 'error';
      summary.textContent = `The comparison could not load: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  /** Called with the versions the Models table shows: defaults to the active one against the version before it. */
  async function load(versions: ModelVersionRow[]): Promise<void> {
    const ready = versions.filter((m) => m.status === 'ready').sort((a, b) => Number(b.id) - Number(a.id));
    const options = () => ready.map((m) => h('option', { value: m.id }, `v${m.id}${m.isActive ? ' (active)' : ''}`));
    const keepFrom = fromSel.value;
    const keepTo = toSel.value;
    fromSel.replaceChildren(...options());
    toSel.replaceChildren(...options());
    void loadBacktests();
    if (ready.length < 2) {
      box.dataset.state = 'empty';
      summary.textContent = 'Train a second version to compare.';
      sizes.replaceChildren();
      moves.replaceChildren();
      return;
    }
    const active = ready.find((m) => m.id === ctx.modelId) ?? ready[0];
    const before = ready.find((m) => Number(m.id) < Number(active.id)) ?? ready.find((m) => m.id !== active.id)!;
    fromSel.value = ready.some((m) => m.id === keepFrom) && keepFrom !== keepTo ? keepFrom : before.id;
    toSel.value = ready.some((m) => m.id === keepTo) && keepFrom !== keepTo ? keepTo : active.id;
    await compare();
  }

  async function loadBacktests(): Promise<void> {
    const list = byId('backtest-list');
    try {
      const { backtests } = await gql<BacktestsData>(BACKTESTS);
      list.replaceChildren(
        ...(backtests.length
          ? backtests.map((b) => h('li', { 'data-backtest-id': b.id }, `Backtest ${b.id} · ${b.status.toLowerCase()} · cut-off ${fmt.date(b.cutoff)} · ${b.horizonDays}-day horizon`))
          : [h('li', { class: 'muted' }, 'No backtest has run yet (segmenta backtest).')]),
      );
    } catch {
      list.replaceChildren(h('li', { class: 'muted' }, 'Backtests could not be listed.'));
    }
  }

  return { load };
}
