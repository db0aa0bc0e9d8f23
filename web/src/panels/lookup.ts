import { gql } from '../api';
import { clusterColor } from '../charts';
import type { DashboardContext } from '../context';
import { byId, fmt, h } from '../dom';
import { Panel } from '../panel';
import { CUSTOMER, CUSTOMERS_BY_PREFIX, TOP_CUSTOMERS, type CustomerData, type CustomerDetail, type CustomersByPrefixData, type TopCustomersData } from '../queries';

const TIER_CLASS: Record<string, string> = { HIGH: 'tier-high', MEDIUM: 'tier-medium', LOW: 'tier-low' };

/** Customer lookup by id: profile, segments, churn estimates and recent orders. */
export function customerLookup(ctx: DashboardContext) {
  const panel = new Panel('lookup');
  const form = byId<HTMLFormElement>('lookup-form');
  const input = byId<HTMLInputElement>('lookup-id');
  const result = byId('lookup-result');
  const suggestions = byId('lookup-suggestions');
  let seq = 0;

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void show(input.value.trim());
  });

  function metric(label: string, value: string, attrs: Record<string, string | number> = {}): HTMLElement {
    return h('div', { class: 'metric' }, h('dt', {}, label), h('dd', attrs, value));
  }

  function render(c: CustomerDetail): HTMLElement {
    const f = c.features;
    const churn = c.churn;
    const badges = h(
      'p',
      { class: 'badges' },
      c.cluster ? h('span', { class: 'badge cluster', 'data-field': 'cluster' }, h('i', { class: 'swatch', 'data-color': clusterColor(c.cluster.id) }), c.cluster.name) : h('span', { class: 'badge' }, 'no cluster'),
      c.rfm ? h('span', { class: 'badge', 'data-field': 'rfm-segment', title: `R ${c.rfm.r} · F ${c.rfm.f} · M ${c.rfm.m}` }, `RFM: ${c.rfm.segment}`) : null,
      c.rfm ? h('span', { class: `badge ${TIER_CLASS[c.rfm.churnTier] ?? ''}` }, `${c.rfm.churnTier.toLowerCase()} churn tier`) : null,
      c.abcXyz ? h('span', { class: 'badge', title: 'ABC (revenue class) × XYZ (order value variability; S = single purchase)' }, `ABC/XYZ: ${c.abcXyz.class}`) : null,
    );
    const swatch = badges.querySelector<HTMLElement>('.swatch');
    if (swatch?.dataset.color) swatch.style.background = swatch.dataset.color;

    const orders = c.orders.nodes;
    return h(
      'article',
      {
        class: 'customer',
        'data-customer-id': c.id,
        'data-cluster-name': c.cluster?.name ?? '',
        'data-churn-probability': churn?.churnProbability ?? '',
      },
      h('h3', {}, c.id),
      h('p', { class: 'muted' }, [c.city, c.state].filter(Boolean).join(', ') || 'location unknown', c.zipPrefix ? ` · zip ${c.zipPrefix}` : ''),
      badges,
      h(
        'dl',
        { class: 'metrics' },
        metric('Churn probability', fmt.pct(churn?.churnProbability), { 'data-field': 'churn-probability' }),
        metric('P(alive)', fmt.pct(churn?.pAlive)),
        metric('Expected purchases (90 d)', fmt.dec(churn?.expectedPurchases90d)),
        metric(`CLV (${ctx.money.horizonLabel})`, ctx.money.format(churn?.clv), { 'data-field': 'clv' }),
        metric('Recency', f ? `${fmt.int(f.recencyDays)} days` : '—'),
        metric('Orders', f ? fmt.int(f.frequency) : '—'),
        metric('Spend', ctx.money.format(f?.monetary)),
        metric('Avg. order', ctx.money.format(f?.avgOrderValue)),
        metric('Customer for', f ? `${fmt.int(f.tenureDays)} days` : '—'),
        metric('Top category', f?.topCategory ?? '—'),
        metric('Avg. review', f?.avgReviewScore === null || f?.avgReviewScore === undefined ? '—' : `${fmt.dec(f.avgReviewScore, 1)} / 5`),
        metric('Priority score', fmt.dec(c.priorityScore)),
      ),
      h('h4', {}, `Orders (${fmt.int(c.orders.totalCount)}${c.orders.totalCount > orders.length ? `, latest ${orders.length} shown` : ''})`),
      orders.length === 0
        ? h('p', { class: 'muted' }, 'No orders.')
        : h(
            'div',
            { class: 'table-wrap small' },
            h(
              'table',
              { class: 'data-table compact' },
              h('thead', {}, h('tr', {}, h('th', {}, 'Date'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'Value'), h('th', {}, 'Items'), h('th', { class: 'num' }, 'Review'))),
              h(
                'tbody',
                {},
                ...orders.map((o) =>
                  h(
                    'tr',
                    { 'data-order-id': o.id },
                    h('td', {}, fmt.date(o.purchasedAt)),
                    h('td', {}, o.status),
                    h('td', { class: 'num' }, ctx.money.format(o.value)),
                    h('td', {}, o.items.length ? [...new Set(o.items.map((i) => i.categoryEn ?? i.category ?? 'uncategorised'))].join(', ') + (o.items.length > 1 ? ` (${o.items.length})` : '') : '—'),
                    h('td', { class: 'num' }, o.review ? `${o.review.score}★` : '—'),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  async function show(id: string): Promise<unknown> {
    if (!id) return null;
    input.value = id;
    const mine = ++seq;
    return panel.run(async () => {
      result.replaceChildren();
      const { customer } = await gql<CustomerData>(CUSTOMER, { id, modelId: ctx.modelId });
      if (mine !== seq) return;
      if (!customer) {
        // Not a whole id: the customers whose id starts with it (ids are long hashes; people type the start).
        const { customers: byPrefix } = await gql<CustomersByPrefixData>(CUSTOMERS_BY_PREFIX, { prefix: id, modelId: ctx.modelId });
        if (mine !== seq) return;
        if (byPrefix.totalCount > 0) {
          result.replaceChildren(
            h(
              'div',
              { class: 'prefix-matches', 'data-prefix': id, 'data-matches': byPrefix.totalCount },
              h('p', {}, `${fmt.int(byPrefix.totalCount)} customer${byPrefix.totalCount === 1 ? '' : 's'} with an id starting with "${id}"${byPrefix.totalCount > byPrefix.nodes.length ? ` (highest priority ${byPrefix.nodes.length} shown)` : ''}:`),
              h(
                'ul',
                {},
                ...byPrefix.nodes.map((c) =>
                  h('li', {}, h('button', { type: 'button', class: 'link-button mono', 'data-prefix-match': c.id, onclick: () => void show(c.id) }, c.id), c.cluster ? h('span', { class: 'muted' }, ` · ${c.cluster.name}`) : null),
                ),
              ),
            ),
          );
          return;
        }
        result.replaceChildren(h('p', { class: 'not-found', 'data-not-found': id }, `No customer with id "${id}", nor any whose id starts with it.`));
        panel.empty('');
        panel.el.dataset.state = 'not-found';
        return;
      }
      result.replaceChildren(render(customer));
    });
  }

  /** Offers the top-priority customers as examples (ids are long hashes nobody remembers). */
  async function load(): Promise<unknown> {
    // The model may have changed: a customer on show is shown again under the new one.
    if (result.firstElementChild && input.value.trim()) void show(input.value.trim());
    else if (panel.el.dataset.state === 'error') panel.ready();
    try {
      const { customers } = await gql<TopCustomersData>(TOP_CUSTOMERS, { modelId: ctx.modelId });
      suggestions.replaceChildren(
        ...(customers.nodes.length ? ['Try a top-priority customer: '] : []),
        ...customers.nodes.map((c) =>
          h('button', { type: 'button', class: 'link-button', 'data-suggest': c.id, title: c.cluster?.name ?? '', onclick: () => void show(c.id) }, `${c.id.slice(0, 10)}…`),
        ),
      );
      return null;
    } catch (e) {
      suggestions.replaceChildren();
      return e;
    }
  }

  return {
    load,
    show: (id: string) => {
      void show(id);
      panel.el.scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
  };
}
