import { ApiError, describeError, gql } from '../api';
import type { DashboardContext } from '../context';
import { byId, fmt, h } from '../dom';
import { Panel } from '../panel';
import { renderLatestBacktest } from './backtest-charts';
import {
  ACTIVATE_MODEL,
  MODEL_VERSIONS,
  MODEL_VERSIONS_PAGE,
  RETRAIN,
  TRAINING_RUN,
  type ActivateModelData,
  type ModelVersionRow,
  type ModelVersionsData,
  type RetrainData,
  type TrainingRunData,
  type TrainingRunView,
} from '../queries';

import { modelViews } from './model-views';

const POLL_MS = 500;

/** Model versions, retraining with a live progress bar, and activation of another version (admin). */
export function modelsPanel(ctx: DashboardContext) {
  const panel = new Panel('models');
  const views = modelViews(ctx);
  const body = panel.el.querySelector('tbody') as HTMLTableSectionElement;
  const message = byId('models-message');
  const form = byId<HTMLFormElement>('retrain-form');
  const kInput = byId<HTMLInputElement>('retrain-k');
  const seedInput = byId<HTMLInputElement>('retrain-seed');
  const noteInput = byId<HTMLInputElement>('retrain-note');
  const button = byId<HTMLButtonElement>('retrain-button');
  const runBox = byId('run-box');
  const runLabel = byId('run-label');
  const runStatus = byId('run-status');
  const runStep = byId('run-step');
  const progress = byId<HTMLProgressElement>('run-progress');
  const runMessage = byId('run-message');
  let watching: string | null = null;
  /** The run the box shows: redrawn on every load, so it tells the present state (e.g. after a rollback). */
  let shownRun: string | null = null;

  function say(text: string, kind: 'ok' | 'error' | '' = ''): void {
    message.textContent = text;
    message.className = `action-message ${kind}`;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void retrain();
  });

  async function retrain(): Promise<void> {
    const input: Record<string, number | string> = {};
    if (kInput.value.trim() !== '') input.k = Number(kInput.value);
    if (seedInput.value.trim() !== '') input.seed = Number(seedInput.value);
    if (noteInput.value.trim() !== '') input.note = noteInput.value.trim();
    button.disabled = true;
    say('');
    try {
      const { retrain: run } = await gql<RetrainData>(RETRAIN, { input });
      watch(run);
    } catch (e) {
      const running = e instanceof ApiError && e.code === 'CONFLICT' ? e.extensions.runningRunId : undefined;
      if (running !== undefined && running !== null) {
        say(`A training run is already in progress: showing run ${String(running)}.`);
        void poll(String(running));
      } else {
        say(describeError(e), 'error');
        button.disabled = false;
      }
    }
  }

  function showRun(run: TrainingRunView): void {
    runBox.hidden = false;
    shownRun = run.id;
    runLabel.textContent = `Training run ${run.id}${run.note ? ` · “${run.note}”` : ''}${run.requestedBy ? ` · by ${run.requestedBy}` : ''}`;
    runStatus.textContent = run.status;
    runStatus.dataset.runStatus = run.status;
    runStatus.className = `badge run-${run.status.toLowerCase()}`;
    runStep.textContent = run.status === 'SUCCEEDED' ? '' : `${run.step ?? 'waiting'} · ${fmt.pct(run.progress, 0)}`;
    progress.value = run.progress;
    progress.dataset.progress = String(run.progress);
    progress.dataset.runId = run.id;
    if (run.status === 'SUCCEEDED') {
      const m = run.modelVersion;
      // What is true now, not when the run ended: another version may have been activated since.
      runMessage.textContent = !m
        ? 'Training finished.'
        : m.isActive
          ? `Model ${m.id} (${m.name}) was trained by this run and is the active model.`
          : `Model ${m.id} (${m.name}) was trained by this run; it is not active now${ctx.modelId ? `: model ${ctx.modelId} is` : ''}.`;
      runMessage.dataset.modelActive = String(m?.isActive ?? false);
      runMessage.className = `run-message ${m && !m.isActive ? '' : 'ok'}`;
    } else if (run.status === 'FAILED') {
      delete runMessage.dataset.modelActive;
      runMessage.textContent = `Training failed${run.step ? ` at step "${run.step}"` : ''}: ${run.error ?? 'no reason given'}. The active model is unchanged.`;
      runMessage.className = 'run-message error';
    } else {
      runMessage.textContent = '';
    }
  }

  function watch(run: TrainingRunView): void {
    showRun(run);
    void poll(run.id);
  }

  /** Polls the run every POLL_MS until it ends; then reloads the page's data when a new model is active. */
  async function poll(id: string): Promise<void> {
    if (watching === id) return;
    watching = id;
    button.disabled = true;
    try {
      for (;;) {
        const { trainingRun: run } = await gql<TrainingRunData>(TRAINING_RUN, { id });
        if (!run) throw new ApiError('NOT_FOUND', `training run ${id} no longer exists`);
        showRun(run);
        if (run.status === 'SUCCEEDED') {
          await ctx.reloadAll();
          break;
        }
        if (run.status === 'FAILED') break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (e) {
      runMessage.textContent = `Lost track of the run: ${describeError(e)}`;
      runMessage.className = 'run-message error';
    } finally {
      watching = null;
      button.disabled = false;
    }
  }

  async function activate(m: ModelVersionRow, b: HTMLButtonElement): Promise<void> {
    b.disabled = true;
    say(`Activating model ${m.id}…`);
    try {
      const { activateModel } = await gql<ActivateModelData>(ACTIVATE_MODEL, { id: m.id });
      say(`Model ${activateModel.id} (${activateModel.name}) is now active.`, 'ok');
      await ctx.reloadAll();
    } catch (e) {
      say(describeError(e), 'error');
      b.disabled = false;
    }
  }

  /** "v4 · seed 42 → 11": the version number and what differs from the version before it. */
  function changes(m: ModelVersionRow, prev: ModelVersionRow | undefined): string {
    if (!prev) return 'first version';
    const out: string[] = [];
    if (m.k !== prev.k) out.push(`k ${prev.k} → ${m.k}`);
    if (m.seed !== prev.seed) out.push(`seed ${prev.seed} → ${m.seed}`);
    if (m.asOf.slice(0, 10) !== prev.asOf.slice(0, 10)) out.push(`as of ${fmt.date(prev.asOf)} → ${fmt.date(m.asOf)}`);
    if (m.customers !== prev.customers) out.push(`${m.customers > prev.customers ? '+' : '−'}${fmt.int(Math.abs(m.customers - prev.customers))} customers`);
    return out.length ? out.join(', ') : `same settings as v${prev.id}`;
  }

  function row(m: ModelVersionRow, prev: ModelVersionRow | undefined, run: ModelVersionsData['trainingRuns']['nodes'][number] | undefined): HTMLTableRowElement {
    let status: HTMLElement;
    if (m.isActive) status = h('span', { class: 'badge active' }, 'active');
    else if (m.status !== 'ready') status = h('span', { class: 'badge', title: 'Trained on a past cut-off for evaluation; cannot be activated' }, m.status);
    else {
      const b = h('button', { type: 'button', class: 'small', 'data-activate': m.id, title: `Serve segments and classification from model ${m.id}` }, 'Activate');
      b.addEventListener('click', () => void activate(m, b));
      status = b;
    }
    return h(
      'tr',
      { 'data-model-id': m.id, 'data-active': String(m.isActive), class: m.isActive ? 'active-row' : '' },
      h('td', { class: 'num', 'data-label': 'Id' }, m.id),
      h(
        'td',
        { 'data-label': 'Version', class: 'version', 'data-version-label': `v${m.id} · ${changes(m, prev)}` },
        h('strong', {}, `v${m.id}`),
        ` · ${changes(m, prev)}`,
        run?.note ? h('span', { class: 'sub note', 'data-note': run.note }, `“${run.note}”`) : null,
        h('span', { class: 'sub' }, `${m.name}${run?.requestedBy ? ` · requested by ${run.requestedBy}` : ''}`),
      ),
      h('td', { 'data-label': 'Created' }, fmt.dateTime(m.createdAt)),
      h('td', { class: 'num', 'data-label': 'k' }, m.k),
      h('td', { class: 'num', 'data-label': 'Customers' }, fmt.int(m.customers)),
      h('td', { class: 'num', 'data-label': 'Silhouette' }, fmt.dec(m.quality.silhouette, 3)),
      h('td', { class: 'num', 'data-label': 'ARI vs prev.' }, m.quality.ariVsPrevious === null ? '—' : fmt.dec(m.quality.ariVsPrevious, 2)),
      h('td', { class: 'num', 'data-label': 'Classifier acc.' }, fmt.pct(m.classifier.accuracy)),
      h('td', { 'data-label': 'Churn model' }, m.churnModel?.model ?? 'none (RFM tiers)'),
      h('td', { 'data-label': 'Status' }, status),
    );
  }

  async function load(): Promise<unknown> {
    return panel.run(async () => {
      const data = await gql<ModelVersionsData>(MODEL_VERSIONS, { first: MODEL_VERSIONS_PAGE });
      const rows = data.modelVersions.nodes;
      // Each version is compared with the one of its kind trained before it (the next older id): a servable version
      // with the servable one before it, a backtest's evaluation model with the evaluation model before it.
      const byAge = [...rows].sort((a, b) => Number(a.id) - Number(b.id));
      const prevOf = new Map(byAge.map((m, i) => [m.id, byAge.slice(0, i).reverse().find((p) => (p.status === 'ready') === (m.status === 'ready'))]));
      const runs = new Map(data.trainingRuns.nodes.map((r) => [r.id, r]));
      body.replaceChildren(...rows.map((m) => row(m, prevOf.get(m.id), m.trainingRunId ? runs.get(m.trainingRunId) : undefined)));
      void views.load(rows);
      panel.el.dataset.rows = String(rows.length);
      panel.el.dataset.total = String(data.modelVersions.totalCount);
      if (rows.length === 0) panel.empty('No model yet: start a training run.');
      // A run started elsewhere (CLI, another tab) is shown too.
      const latest = data.trainingRuns.nodes[0];
      if (latest && (latest.status === 'QUEUED' || latest.status === 'RUNNING') && watching === null) void poll(latest.id);
      else if (shownRun && watching === null) {
        const { trainingRun } = await gql<TrainingRunData>(TRAINING_RUN, { id: shownRun });
        if (trainingRun) showRun(trainingRun);
      }
      // The decision backtest's gain chart beside the churn probability's calibration curve.
      await renderLatestBacktest(byId('backtest-view')).catch((e) => byId('backtest-view').replaceChildren(h('p', { class: 'sub' }, describeError(e))));
    });
  }

  return { load };
}
