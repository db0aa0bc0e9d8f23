import { describeError, downloadSegmentCsv, segmentCsvUrl } from '../api';
import type { DashboardContext } from '../context';
import { fmt, h } from '../dom';
import { Panel } from '../panel';
import type { SegmentKind, SegmentRow } from '../queries';

const ACTION_CLASS: Record<string, string> = {
  retain: 'action-retain',
  'win back': 'action-winback',
  upsell: 'action-upsell',
  nurture: 'action-nurture',
  'let go': 'action-letgo',
};

/** The priority board: one row per segment of the chosen kind, by priority rank, with its CSV export. */
export function priorityBoard(ctx: DashboardContext) {
  const panel = new Panel('priority');
  const body = panel.el.querySelector('tbody') as HTMLTableSectionElement;
  let kind: SegmentKind = 'CLUSTER';

  panel.toggle('kind', (v) => {
    kind = v as SegmentKind;
    void load();
  });

  function meter(value: number, level: string): HTMLElement {
    const m = h('span', { class: `meter ${level}` });
    m.style.setProperty('--v', `${Math.round(value * 100)}%`);
    return m;
  }

  function riskCell(s: SegmentRow): HTMLElement {
    if (s.churnRisk === null) return h('td', {}, '—');
    const level = s.churnRisk >= 0.7 ? 'high' : s.churnRisk >= 0.4 ? 'medium' : 'low';
    return h(
      'td',
      { class: 'risk', title: s.churnRiskSource === 'bg_nbd' ? 'Mean churn probability (churn model)' : 'From RFM churn tiers (no churn model)' },
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
    return h('td', { class: 'download' }, button, status);
  }

  function row(s: SegmentRow): HTMLTableRowElement {
    return h(
      'tr',
      { 'data-segment-id': s.id, 'data-name': s.name, 'data-size': s.size, 'data-rank': s.priorityRank },
      h('td', { class: 'num rank' }, s.priorityRank),
      h('td', { class: 'name' }, h('strong', {}, s.name)),
      h('td', { class: 'num' }, fmt.int(s.size), h('span', { class: 'sub' }, fmt.pct(s.share))),
      riskCell(s),
      h('td', { class: 'num' }, fmt.compact(s.expectedValueTotal), h('span', { class: 'sub' }, `${fmt.money(s.expectedValueMean)} each`)),
      h('td', { class: 'num' }, fmt.pct(s.revenueShare)),
      h(
        'td',
        { class: 'action' },
        h('span', { class: `badge ${ACTION_CLASS[s.recommendedAction] ?? ''}` }, s.recommendedAction),
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
