import { describeError, downloadSegmentCsv, gql } from '../api';
import type { DashboardContext } from '../context';
import { byId, fmt, h } from '../dom';
import { Panel } from '../panel';
import {
  DRILLDOWN_PAGE_SIZE,
  SEGMENT_CUSTOMERS,
  type CustomerFilterInput,
  type CustomerSortField,
  type SegmentCustomerRow,
  type SegmentCustomersData,
  type SegmentKind,
} from '../queries';
import { readView, writeView, type ViewState } from '../url-state';

const PAGE_SIZE = DRILLDOWN_PAGE_SIZE;
const SORTS: CustomerSortField[] = ['PRIORITY', 'CHURN_PROBABILITY', 'CLV', 'RECENCY', 'FREQUENCY', 'MONETARY'];
const KINDS: SegmentKind[] = ['CLUSTER', 'RFM', 'ABC_XYZ'];

/** The customers filter of a segment: a cluster id, an RFM segment name, or an ABC/XYZ class ("AX"). */
export function segmentFilter(kind: SegmentKind, key: string): CustomerFilterInput {
  if (kind === 'CLUSTER') return { clusterId: key };
  if (kind === 'RFM') return { rfmSegment: key };
  return { abc: key.slice(0, 1), xyz: key.slice(1) };
}

function parseSort(s: string | undefined): { field: CustomerSortField; direction: 'ASC' | 'DESC' } {
  const [field, direction] = (s ?? '').split(':');
  return {
    field: SORTS.includes(field as CustomerSortField) ? (field as CustomerSortField) : 'PRIORITY',
    direction: direction === 'ASC' ? 'ASC' : 'DESC',
  };
}

/** A number typed in a filter box, or undefined when blank; `scale` turns percentages into probabilities. */
function numberOf(input: HTMLInputElement, scale = 1): number | undefined {
  const t = input.value.trim();
  if (t === '') return undefined;
  const v = Number(t);
  if (!Number.isFinite(v)) throw new Error(`"${t}" is not a number (${input.dataset.label ?? input.name})`);
  return v / scale;
}

/**
 * The drill-down: the customers of one segment in a table with column sort, filters (state, churn probability
 * range, CLV range, id prefix), keyset pages through customers(filter, orderBy, first, after), and a CSV of exactly
 * the filtered rows. The segment, filters and sort live in the URL (url-state.ts), so a view can be shared.
 */
export function drillDown(ctx: DashboardContext) {
  const panel = new Panel('drilldown');
  const title = byId('drilldown-title');
  const form = byId<HTMLFormElement>('drilldown-filters');
  const inputs = {
    state: byId<HTMLInputElement>('dd-state'),
    idPrefix: byId<HTMLInputElement>('dd-prefix'),
    churnMin: byId<HTMLInputElement>('dd-churn-min'),
    churnMax: byId<HTMLInputElement>('dd-churn-max'),
    clvMin: byId<HTMLInputElement>('dd-clv-min'),
    clvMax: byId<HTMLInputElement>('dd-clv-max'),
  };
  const table = byId<HTMLTableElement>('drilldown-table');
  const body = table.querySelector('tbody') as HTMLTableSectionElement;
  const count = byId('drilldown-count');
  const prev = byId<HTMLButtonElement>('drilldown-prev');
  const next = byId<HTMLButtonElement>('drilldown-next');
  const csv = byId<HTMLButtonElement>('drilldown-csv');
  const csvStatus = byId('drilldown-csv-status');

  let segment: { kind: SegmentKind; key: string } | null = null;
  let sort = parseSort(undefined);
  /** Cursors of the pages before the current one (keyset paging goes forward; back pops this stack). */
  let cursors: (string | null)[] = [];
  let after: string | null = null;
  let endCursor: string | null = null;
  let seq = 0;

  function fromView(v: ViewState): void {
    inputs.state.value = v.state ?? '';
    inputs.idPrefix.value = v.idPrefix ?? '';
    // Percentages to 0.01 %: churn probabilities crowd near 100 % in stores where most customers buy once.
    const percent = (x: string | undefined) => (x !== undefined && Number.isFinite(Number(x)) ? String(Math.round(Number(x) * 10000) / 100) : '');
    inputs.churnMin.value = percent(v.churnMin);
    inputs.churnMax.value = percent(v.churnMax);
    inputs.clvMin.value = v.clvMin ?? '';
    inputs.clvMax.value = v.clvMax ?? '';
    sort = parseSort(v.sort);
  }

  /** The filter boxes as URL / export parameters (churn as probabilities 0-1). */
  function params(): Record<string, string | undefined> {
    const str = (n: number | undefined) => (n === undefined ? undefined : String(Math.round(n * 1e6) / 1e6));
    return {
      state: inputs.state.value.trim().toUpperCase() || undefined,
      idPrefix: inputs.idPrefix.value.trim() || undefined,
      churnMin: str(numberOf(inputs.churnMin, 100)),
      churnMax: str(numberOf(inputs.churnMax, 100)),
      clvMin: str(numberOf(inputs.clvMin)),
      clvMax: str(numberOf(inputs.clvMax)),
    };
  }

  function filter(): CustomerFilterInput {
    if (!segment) throw new Error('no segment is open');
    const p = params();
    const f: CustomerFilterInput = segmentFilter(segment.kind, segment.key);
    if (p.state) f.state = p.state;
    if (p.idPrefix) f.idPrefix = p.idPrefix;
    if (p.churnMin !== undefined || p.churnMax !== undefined) f.churnProbability = { min: p.churnMin === undefined ? undefined : Number(p.churnMin), max: p.churnMax === undefined ? undefined : Number(p.churnMax) };
    if (p.clvMin !== undefined || p.clvMax !== undefined) f.clv = { min: p.clvMin === undefined ? undefined : Number(p.clvMin), max: p.clvMax === undefined ? undefined : Number(p.clvMax) };
    return f;
  }

  function row(c: SegmentCustomerRow): HTMLTableRowElement {
    const cell = (label: string, cls: string, value: string | Node, attrs: Record<string, string | number> = {}) => h('td', { class: cls, 'data-label': label, ...attrs }, value);
    const risk = c.churn?.churnProbability ?? null;
    return h(
      'tr',
      { 'data-customer-id': c.id },
      cell('Customer', 'id-cell', h('button', { type: 'button', class: 'link-button mono', title: 'Open in the customer lookup', onclick: () => ctx.lookup(c.id) }, c.id)),
      cell('State', '', c.state ?? '—', { 'data-state-code': c.state ?? '' }),
      cell('Cluster', '', c.cluster?.name ?? '—'),
      cell('RFM segment', '', c.rfm?.segment ?? '—'),
      cell('Churn risk', `num ${risk === null ? '' : risk >= 0.7 ? 'risk-high' : risk >= 0.4 ? 'risk-medium' : 'risk-low'}`, fmt.pct(risk), { 'data-value': risk ?? '' }),
      cell(`CLV (${ctx.money.horizonLabel})`, 'num', ctx.money.format(c.churn?.clv), { 'data-value': c.churn?.clv ?? '' }),
      cell('Recency', 'num', c.features ? `${fmt.int(c.features.recencyDays)} d` : '—', { 'data-value': c.features?.recencyDays ?? '' }),
      cell('Orders', 'num', fmt.int(c.features?.frequency), { 'data-value': c.features?.frequency ?? '' }),
      cell('Spend', 'num', ctx.money.format(c.features?.monetary), { 'data-value': c.features?.monetary ?? '' }),
    );
  }

  function markSort(): void {
    for (const th of table.querySelectorAll<HTMLElement>('th[data-sort]')) {
      const on = th.dataset.sort === sort.field;
      th.setAttribute('aria-sort', on ? (sort.direction === 'ASC' ? 'ascending' : 'descending') : 'none');
      const b = th.querySelector('button');
      if (b) b.dataset.arrow = on ? (sort.direction === 'ASC' ? '▲' : '▼') : '';
    }
    table.dataset.sort = `${sort.field}:${sort.direction}`;
  }

  async function loadPage(): Promise<unknown> {
    if (!segment) return null;
    const my = ++seq;
    return panel.run(async () => {
      markSort();
      const f = filter();
      const { customers } = await gql<SegmentCustomersData>(SEGMENT_CUSTOMERS, { modelId: ctx.modelId, filter: f, orderBy: sort, first: PAGE_SIZE, after });
      if (my !== seq) return;
      body.replaceChildren(...customers.nodes.map(row));
      endCursor = customers.pageInfo.hasNextPage ? customers.pageInfo.endCursor : null;
      next.disabled = endCursor === null;
      prev.disabled = cursors.length === 0;
      const from = cursors.length * PAGE_SIZE + 1;
      count.textContent = customers.totalCount === 0 ? 'No customer matches.' : `${fmt.int(from)}–${fmt.int(from + customers.nodes.length - 1)} of ${fmt.int(customers.totalCount)} customers`;
      panel.el.dataset.total = String(customers.totalCount);
      panel.el.dataset.page = String(cursors.length + 1);
      if (customers.totalCount === 0) panel.empty('No customer of this segment matches these filters: widen or clear them.');
    });
  }

  /** Filters or sort changed: back to the first page, and into the URL. */
  function restart(): Promise<unknown> {
    cursors = [];
    after = null;
    try {
      writeView({ ...params(), sort: sort.field === 'PRIORITY' && sort.direction === 'DESC' ? undefined : `${sort.field}:${sort.direction}` });
    } catch (e) {
      panel.error(e);
      return Promise.resolve(e);
    }
    return loadPage();
  }

  async function open(kind: SegmentKind, key: string, opts: { fromUrl?: boolean } = {}): Promise<unknown> {
    segment = { kind, key };
    panel.el.hidden = false;
    panel.el.dataset.kind = kind;
    panel.el.dataset.key = key;
    const kindName = kind === 'CLUSTER' ? 'Cluster' : kind === 'RFM' ? 'RFM segment' : 'ABC/XYZ class';
    title.textContent = `${kindName} ${key}`;
    void ctx.segments(kind).then(
      (rows) => {
        const s = rows.find((r) => r.key === key);
        if (s && segment?.kind === kind && segment.key === key) title.textContent = `${kindName}: ${s.name} (${fmt.int(s.size)} customers)`;
      },
      () => undefined,
    );
    if (!opts.fromUrl) {
      writeView({ seg: `${kind}:${key}` });
      panel.el.scrollIntoView({ block: 'start' });
    }
    return restart();
  }

  function close(): void {
    segment = null;
    panel.el.hidden = true;
    writeView({ seg: undefined, state: undefined, idPrefix: undefined, churnMin: undefined, churnMax: undefined, clvMin: undefined, clvMax: undefined, sort: undefined });
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void restart();
  });
  form.addEventListener('reset', () => {
    setTimeout(() => void restart(), 0); // after the browser has cleared the boxes
  });
  byId('drilldown-close').addEventListener('click', close);
  for (const th of table.querySelectorAll<HTMLElement>('th[data-sort]')) {
    th.querySelector('button')?.addEventListener('click', () => {
      const field = th.dataset.sort as CustomerSortField;
      // A new column starts at its most useful end: highest first, except recency (most recent first).
      sort = sort.field === field ? { field, direction: sort.direction === 'DESC' ? 'ASC' : 'DESC' } : { field, direction: field === 'RECENCY' ? 'ASC' : 'DESC' };
      void restart();
    });
  }
  next.addEventListener('click', () => {
    if (endCursor === null) return;
    cursors.push(after);
    after = endCursor;
    void loadPage();
  });
  prev.addEventListener('click', () => {
    if (!cursors.length) return;
    after = cursors.pop() ?? null;
    void loadPage();
  });
  csv.addEventListener('click', async () => {
    if (!segment || !ctx.modelId) return;
    csv.disabled = true;
    csvStatus.textContent = 'Preparing…';
    csvStatus.className = 'download-status';
    try {
      csvStatus.textContent = `Saved ${await downloadSegmentCsv(`${ctx.modelId}:${segment.kind}:${segment.key}`, params())}`;
    } catch (e) {
      csvStatus.textContent = describeError(e);
      csvStatus.className = 'download-status error';
    } finally {
      csv.disabled = false;
    }
  });

  /** On (re)load: the segment in the URL, if any, is opened with the URL's filters. */
  async function load(): Promise<unknown> {
    const clv = `CLV (${ctx.money.currency}, ${ctx.money.horizonLabel})`;
    byId('dd-clv-label').textContent = clv;
    byId('dd-clv-head').textContent = clv;
    const v = readView();
    fromView(v);
    const [kind, ...rest] = (v.seg ?? '').split(':');
    if (!v.seg || !KINDS.includes(kind as SegmentKind) || rest.length === 0) {
      panel.el.hidden = segment === null;
      return segment ? restart() : null;
    }
    return open(kind as SegmentKind, rest.join(':'), { fromUrl: true });
  }

  return { load, open };
}
