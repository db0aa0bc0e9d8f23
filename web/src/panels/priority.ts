import { describeError, downloadSegmentCsv, segmentCsvUrl } from '../api';
import type { DashboardContext } from '../context';
import { fmt, h } from '../dom';
import { Panel } from '../panel';
import type { SegmentKind, SegmentRow } from '../queries';
import { readView, writeView } from '../url-state';

const ACTION_CLASS: Record<string, string> = {
  retain: 'action-retain',
  'win-back': 'action-winback',
  upsell: 'action-upsell',
  nurture: 'action-nurture',
  'let go': 'action-letgo',
};

/** Where each segment's churn risk comes from, in the words of the board. */
const RISK_SOURCE: Record<string, string> = {
  bg_nbd: 'Mean P(no purchase within the horizon) from the fitted churn model',
  empirical_repeat: 'Thin repeat data: empirical P(no purchase within the horizon) by recency × frequency (the fitted model failed its checks; see the model view)',
  rfm_tier: 'From RFM churn tiers (no churn estimate could be made)',
};

/** The priority board: one row per segment of the chosen kind, by priority rank (value at risk first), with its CSV export. */
export function priorityBoard(ctx: DashboardContext) {
  const panel = new Panel('priority');
  const body = panel.el.querySelector('tbody') as HTMLTableSectionElement;
  const fromUrl = readView().kind;
  let kind: SegmentKind = fromUrl === 'RFM' || fromUrl === 'ABC_XYZ' ? fromUrl : 'CLUSTER';
  for (const b of panel.el.querySelectorAll<HTMLButtonElement>('button[data-kind]')) b.setAttribute('aria-pressed', String(b.dataset.kind === kind));

  panel.toggle('kind', (v) => {
    kind = v as SegmentKind;
    writeView({ kind: kind === 'CLUSTER' ? undefined : kind });
    void load();
  });

  function meter(value: number, level: string): HTMLElement {
    const m = h('span', { class: `meter ${level}` });
    m.style.setProperty('--v', `${Math.round(value * 100)}%`);
    return m;
  }

  function riskCell(s: SegmentRow): HTMLElement {
    if (s.churnRisk === null) return h('td', { 'data-label': 'Churn risk' }, '—');
    const level = s.churnRisk >= 0.7 ? 'high' : s.churnRisk >= 0.4 ? 'medium' : 'low';
    return h(
      'td',
      { class: 'risk', 'data-label': 'Churn risk', title: RISK_SOURCE[s.churnRiskSource] ?? s.churnRiskSource },
      meter(s.churnRisk, level),
      h('span', { class: 'num' }, fmt.pct(s.churnRisk, 0)),
    );
  }

  function downloadButton(s: SegmentRow): HTMLElement {
    const status = h('span', { class: 'download-status', role: 'status' });
    const button = h(
      'button',
      {
        type: 'button',
        class: 'link-button',
        'data-export': segmentCsvUrl(s.id),
        title: `Download the ${s.size} customers of "${s.name}" as CSV`,
        onclick: async () => {
          button.disabled = true;
          status.textContent = 'Preparing…';
          status.className = 'download-status';
          try {
            const name = await downloadSegmentCsv(s.id);
            status.textContent = `Saved ${name}`;
          } catch (e) {
            status.textContent = describeError(e);
            status.className = 'download-status error';
          } finally {
            button.disabled = false;
          }
        },
      },
      'CSV ↓',
    );
    return h('td', { class: 'download', 'data-label': 'Customer list' }, button, status);
  }

  function row(s: SegmentRow): HTMLTableRowElement {
    return h(
      'tr',
      { 'data-segment-id': s.id, 'data-name': s.name, 'data-size': s.size, 'data-rank': s.priorityRank },
      h('td', { class: 'num rank', 'data-label': 'Rank' }, s.priorityRank),
      h(
        'td',
        { class: 'name', 'data-label': 'Segment' },
        h('button', { type: 'button', class: 'link-button segment-open', 'data-open-segment': `${s.kind}:${s.key}`, title: `Open the ${s.size} customers of "${s.name}"`, onclick: () => ctx.openSegment(s.kind, s.key) }, h('strong', {}, s.name)),
      ),
      h('td', { class: 'num', 'data-label': 'Customers' }, fmt.int(s.size), h('span', { class: 'sub' }, fmt.pct(s.share))),
      h('td', { class: 'num value-at-risk', 'data-label': `Value at risk (${ctx.money.horizonLabel})` }, ctx.money.compact(s.valueAtRisk), h('span', { class: 'sub' }, `${fmt.pct(s.priorityScore)} of all`)),
      riskCell(s),
      h('td', { class: 'num', 'data-label': `Value if retained (${ctx.money.horizonLabel})` }, ctx.money.compact(s.valueIfRetainedTotal), h('span', { class: 'sub' }, `${ctx.money.format(s.valueIfRetainedTotal !== null && s.size ? s.valueIfRetainedTotal / s.size : null)} each`)),
      h('td', { class: 'num', 'data-label': 'Revenue share' }, fmt.pct(s.revenueShare)),
      h(
        'td',
        { class: 'action', 'data-label': 'Action' },
        h('span', { class: `badge ${ACTION_CLASS[s.recommendedAction] ?? ''}` }, s.recommendedAction),
        s.growth ? h('span', { class: 'growth', title: 'A growth action: little value at risk here by design' }, 'growth') : null,
        h('span', { class: 'action-text' }, s.actionText.replace(/^[^:]*:\s*/, '')),
        s.actionReason ? h('span', { class: 'sub' }, s.actionReason) : null,
      ),
      downloadButton(s),
    );
  }

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      panel.el.dataset.kind = kind;
      const rows = await ctx.segments(kind);
      body.replaceChildren(...rows.map(row));
      panel.el.dataset.rows = String(rows.length);
      if (rows.length === 0) panel.empty('This model has no segments of this kind.');
    });
  }

  return { load };
}
