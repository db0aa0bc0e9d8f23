import { ApiError, apiKey, describeError, gql, setApiKey } from './api';
import { chartOption, chartPixel } from './charts';
import type { DashboardContext } from './context';
import { byId, fmt, h } from './dom';
import { clusterProfiles, kSearch } from './panels/clusters';
import { geoView } from './panels/geo';
import { Money } from './money';
import { drillDown } from './panels/drilldown';
import { customerLookup } from './panels/lookup';
import { modelsPanel } from './panels/models';
import { priorityBoard } from './panels/priority';
import { rfmGrid, segmentOverlap } from './panels/rfm';
import { segmentMap } from './panels/segment-map';
import { cohortRetention, timeline } from './panels/trends';
import { ACTIVE_MODEL, SEGMENTS, SERVICE_INFO, type ActiveModelData, type ServiceInfoData, type SegmentKind, type SegmentRow, type SegmentsData } from './queries';

declare global {
  interface Window {
    /** Read-only hooks for tests and debugging: what each chart draws. */
    segmenta?: { chartOption(id: string): unknown; chartPixel(id: string, seriesIndex: number, value: number[]): number[] | null; modelId(): string | null };
  }
}

const banner = byId('banner');
const badge = byId('model-badge');

/** A message over the page; errors other than a missing model offer to try again. */
function showBanner(text: string, code: string): void {
  banner.replaceChildren(text);
  if (code !== 'NO_MODEL') banner.append(h('button', { type: 'button', class: 'small retry', id: 'banner-retry', onclick: () => void loadAll() }, 'Retry'));
  banner.dataset.code = code;
  banner.hidden = false;
}

const keyNote = byId('key-note');

/** Open local mode ignores keys: say so when one is entered, rather than let it look as if it counted. */
function showKeyNote(info: ServiceInfoData['serviceInfo'] | null): void {
  const key = apiKey();
  const text = info?.openMode && key ? 'Open mode: this service has no API keys configured, so the key is ignored and everyone is admin.' : '';
  keyNote.textContent = text;
  keyNote.hidden = text === '';
  if (info) document.body.dataset.role = info.role;
}

function hideBanner(): void {
  banner.hidden = true;
  banner.textContent = '';
  delete banner.dataset.code;
}

let segmentCache = new Map<SegmentKind, Promise<SegmentRow[]>>();

const ctx: DashboardContext = {
  modelId: null,
  modelCustomers: null,
  money: new Money(),
  openSegment: (kind, key) => void drill.open(kind, key),
  segments(kind) {
    let p = segmentCache.get(kind);
    if (!p) {
      p = gql<SegmentsData>(SEGMENTS, { kind, modelId: ctx.modelId }).then((d) => d.segments);
      // A failure is not cached: the next attempt asks again.
      p.catch(() => segmentCache.delete(kind));
      segmentCache.set(kind, p);
    }
    return p;
  },
  lookup: (id) => lookup.show(id),
  reloadAll: () => loadAll(),
};

const lookup = customerLookup(ctx);
const drill = drillDown(ctx);
const models = modelsPanel(ctx);
const dataPanels = [priorityBoard(ctx), drill, segmentMap(ctx), clusterProfiles(ctx), kSearch(ctx), rfmGrid(ctx), segmentOverlap(ctx), cohortRetention(ctx), timeline(ctx), geoView(ctx), lookup];

let queue: Promise<void> = Promise.resolve();

/**
 * Loads the active model, then every panel in parallel; the first failure worth telling shows in the banner.
 * Calls queue up, so a key entered during a load is used by the next one.
 */
function loadAll(): Promise<void> {
  queue = queue.then(loadOnce);
  return queue;
}

async function loadOnce(): Promise<void> {
  hideBanner();
  segmentCache = new Map();
  document.body.dataset.state = 'loading';
  try {
    const [{ activeModel }, { serviceInfo }] = await Promise.all([gql<ActiveModelData>(ACTIVE_MODEL), gql<ServiceInfoData>(SERVICE_INFO)]);
    showKeyNote(serviceInfo);
    ctx.modelId = activeModel?.id ?? null;
    ctx.modelCustomers = activeModel?.customers ?? null;
    ctx.money.set(serviceInfo.currency, activeModel?.churnModel?.clvHorizonMonths ?? serviceInfo.clvHorizonMonths);
    badge.replaceChildren(
      activeModel
        ? h('span', { 'data-model-id': activeModel.id }, 'Model ', h('strong', {}, activeModel.id), ` · ${activeModel.name} · ${fmt.int(activeModel.customers)} customers`)
        : h('span', {}, 'No active model'),
    );
    if (!activeModel) {
      showBanner('There is no trained model yet: start a training run in the Models panel (admin key needed when keys are configured).', 'NO_MODEL');
      // Every data card says the same, so none looks silently blank.
      for (const p of document.querySelectorAll<HTMLElement>('[data-panel]')) {
        if (p.dataset.panel === 'models' || p.dataset.panel === 'drilldown') continue;
        p.dataset.state = 'empty';
        const status = p.querySelector<HTMLElement>('.panel-status');
        if (status) {
          status.replaceChildren('No model yet. ', h('a', { href: '#models' }, 'Train one in the Models panel'), ' (or run segmenta train); this card fills in once it is active.');
          status.hidden = false;
          status.className = 'panel-status empty';
        }
      }
      await models.load();
      document.body.dataset.state = 'ready';
      return;
    }
  } catch (e) {
    badge.textContent = 'Model unknown';
    showBanner(describeError(e), e instanceof ApiError ? e.code : 'ERROR');
    // Panels say why they are empty as well, so the page never looks silently blank.
    for (const p of document.querySelectorAll<HTMLElement>('[data-panel]')) {
      p.dataset.state = 'error';
      const status = p.querySelector<HTMLElement>('.panel-status');
      if (status) {
        status.textContent = e instanceof ApiError && e.code === 'UNAUTHENTICATED' ? 'Not loaded: the API needs a valid key.' : 'Not loaded.';
        status.hidden = false;
        status.className = 'panel-status error';
      }
    }
    document.body.dataset.state = 'error';
    return;
  }
  const errors = (await Promise.all([...dataPanels, models].map((p) => p.load()))).filter((e) => e !== null);
  const first = errors[0];
  if (first) showBanner(`Some panels could not load: ${describeError(first)}`, first instanceof ApiError ? first.code : 'ERROR');
  document.body.dataset.state = 'ready';
}

function setupKeyForm(): void {
  const form = byId<HTMLFormElement>('key-form');
  const input = byId<HTMLInputElement>('api-key');
  input.value = apiKey();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(input.value.trim());
    void loadAll();
  });
  byId('key-clear').addEventListener('click', () => {
    input.value = '';
    setApiKey('');
    void loadAll();
  });
}

window.segmenta = { chartOption, chartPixel, modelId: () => ctx.modelId };
setupKeyForm();
void loadAll();
