import { describeError } from './api';
import { byId } from './dom';

export type PanelState = 'loading' | 'ready' | 'empty' | 'error';

/**
 * A card of the page: `<section data-panel="name">` with a `.panel-status` line. Its data-state tells users
 * (and tests) whether it shows data, is loading, has nothing to show or failed.
 */
export class Panel {
  readonly el: HTMLElement;
  private readonly status: HTMLElement;

  constructor(readonly name: string) {
    this.el = document.querySelector<HTMLElement>(`[data-panel="${name}"]`) ?? byId(name);
    let status = this.el.querySelector<HTMLElement>('.panel-status');
    if (!status) {
      status = document.createElement('p');
      status.className = 'panel-status';
      status.setAttribute('role', 'status');
      this.el.querySelector('header')?.after(status);
    }
    this.status = status;
  }
  /**
   * Wires the panel's toggle buttons (`button[data-<attr>]`): a click marks its button pressed and calls
   * `onChange` with the button's value.
   */
  toggle(attr: string, onChange: (value: string) => void): void {
    const buttons = [...this.el.querySelectorAll<HTMLButtonElement>(`button[data-${attr}]`)];
    for (const b of buttons) {
      b.addEventListener('click', () => {
        for (const o of buttons) o.setAttribute('aria-pressed', String(o === b));
        onChange(b.getAttribute(`data-${attr}`) ?? '');
      });
    }
  }


  loading(message = 'Loading…'): void {
    this.set('loading', message);
  }

  ready(): void {
    this.set('ready', '');
  }

  empty(message: string): void {
    this.set('empty', message);
  }

  error(e: unknown): void {
    this.set('error', describeError(e));
  }

  private set(state: PanelState, message: string): void {
    this.el.dataset.state = state;
    this.status.textContent = message;
    this.status.hidden = message === '';
    this.status.className = `panel-status ${state}`;
  }

  /** Runs a panel's load; its failure shows in the panel (and is returned for the page banner). */
  async run(load: () => Promise<void>): Promise<unknown> {
    this.loading();
    try {
      await load();
      if (this.el.dataset.state === 'loading') this.ready();
      return null;
    } catch (e) {
      this.error(e);
      return e;
    }
  }
}
