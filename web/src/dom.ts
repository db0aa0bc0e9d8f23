/** Small DOM and formatting helpers. Text always goes in through textContent, never as HTML. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** h('td', { class: 'num', 'data-size': 12 }, '12') — attributes, `on<event>` listeners, children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no element #${id}`);
  return el as T;
}

/** For ECharts tooltip formatters, which take HTML. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const decFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const fmt = {
  int: (n: number | null | undefined): string => (n === null || n === undefined ? '—' : intFmt.format(n)),
  /** 12.3k, 1.2M: for money totals in tight cells. */
  compact: (n: number | null | undefined): string => (n === null || n === undefined ? '—' : compactFmt.format(n)),
  money: (n: number | null | undefined): string => (n === null || n === undefined ? '—' : decFmt.format(n)),
  /** Fixed digits; never "-0.0". */
  dec: (n: number | null | undefined, digits = 2): string => (n === null || n === undefined ? '—' : (Math.abs(n) < 0.5 * 10 ** -digits ? 0 : n).toFixed(digits)),
  /** 0.1234 → "12.3%". */
  pct: (n: number | null | undefined, digits = 1): string => (n === null || n === undefined ? '—' : `${(n * 100).toFixed(digits)}%`),
  date: (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—'),
  dateTime: (iso: string | null | undefined): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '—'),
};

/** "recency_days" → "Recency days"; camelCase too. */
export function humanize(name: string): string {
  const s = name.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
