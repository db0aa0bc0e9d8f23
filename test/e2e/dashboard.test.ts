import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import ts from 'typescript';
import { buildWeb } from '../../scripts/build-web';
import { defaultWebDir, StaticFiles } from '../../src/http/dashboard/dashboard-files';
import { runBacktest } from '../../src/models/backtest.service';
import { waitForRetrain } from '../../src/models/retrain.service';
import { createTestDb } from '../helpers/db';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, testKeys, type TestServer } from '../graphql/helpers';

/**
 * The dashboard in a real browser (headless Chromium through playwright-core) against the real service over a
 * trained database: every panel shows what the GraphQL API answers (fetched here with the test's own queries),
 * a retrain started from the page runs to completion with visible progress, a bad API key is explained, and the
 * page logs no errors and talks to no other origin.
 * SEGMENTA_SCREENSHOTS=<dir> (npm run screenshots) also saves PNGs of the panels there.
 */

// The callbacks given to page.evaluate / waitForFunction run in the page; the test project has no DOM typings.
declare const document: any;
declare const window: any;
declare const location: any;
declare function getComputedStyle(e: unknown): any;

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`dashboard e2e tests skipped: ${CHROMIUM} is missing (Debian: apt-get install chromium)`);
const SHOTS = process.env.SEGMENTA_SCREENSHOTS ? path.resolve(process.env.SEGMENTA_SCREENSHOTS) : null;

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Db = Awaited<ReturnType<typeof createTrainedDb>>;

interface Opened {
  page: Page;
  /** console errors and uncaught exceptions */
  errors: string[];
  /** requests to anything but the service's origin */
  foreign: string[];
}

// esbuild strips types without checking them: the dashboard's sources are checked here (DOM typings).
it('the dashboard sources typecheck', () => {
  const configPath = path.join(__dirname, '..', '..', 'web', 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } });
  if (!config) throw new Error(`cannot read ${configPath}`);
  const program = ts.createProgram(config.fileNames, config.options);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n') + (d.file ? ` (${path.relative(process.cwd(), d.file.fileName)})` : ''));
  expect(problems).toEqual([]);
}, 60_000);

describe('dashboard static files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segmenta-web-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds dist/web of the package from its own folder', () => {
    expect(defaultWebDir()).toBe(path.resolve(__dirname, '..', '..', 'dist', 'web'));
  });

  it('serves plain built names only, picks up a rebuild and never a stale gzip', () => {
    fs.writeFileSync(path.join(dir, 'index.html'), '<p>one</p>');
    fs.writeFileSync(path.join(dir, 'index.html.gz'), zlib.gzipSync('<p>one</p>'));
    fs.writeFileSync(path.join(dir, 'notes.exe'), 'x');
    fs.writeFileSync(path.join(dir, '.env.js'), 'x');
    const files = new StaticFiles(dir);
    const first = files.get('index.html');
    expect(first?.body.toString()).toBe('<p>one</p>');
    expect(first?.contentType).toMatch(/^text\/html/);
    expect(zlib.gunzipSync(first?.gzip as Buffer).toString()).toBe('<p>one</p>');
    for (const name of ['../index.html', 'sub/index.html', '.env.js', 'notes.exe', 'index.html.gz', 'missing.js', '']) expect([name, files.get(name)]).toEqual([name, null]);

    // A rebuilt file is served at once; its old .gz (now older than the file) is not.
    const later = new Date(Date.now() + 5_000);
    fs.writeFileSync(path.join(dir, 'index.html'), '<p>two!</p>');
    fs.utimesSync(path.join(dir, 'index.html'), later, later);
    const second = files.get('index.html');
    expect(second?.body.toString()).toBe('<p>two!</p>');
    expect(second?.gzip).toBeNull();
    expect(second?.etag).not.toBe(first?.etag);
  });
});

(haveChromium ? describe : describe.skip)('dashboard (browser)', () => {
  let db: Db;
  let open: TestServer; // open local mode: everyone is admin
  let keyed: TestServer; // API keys configured, explorer on GET /graphql (as in development)
  let browser: Browser;
  const { keys, spec } = testKeys();

  async function api<T = any>(t: TestServer, query: string, variables?: Record<string, unknown>, key?: string): Promise<T> {
    const r = await t.gql<T>(query, variables, { key });
    expect(r.body.errors ?? []).toEqual([]);
    return r.body.data as T;
  }

  async function openPage(t: TestServer, viewport = { width: 1366, height: 768 }): Promise<Opened> {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(`${t.server.url}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) foreign.push(url);
    });
    await page.goto(`${t.server.url}/dashboard`);
    return { page, errors, foreign };
  }

  const settled = (page: Page) => page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error');
  const panelState = (page: Page, name: string) => page.getAttribute(`[data-panel="${name}"]`, 'data-state');
  const data = (page: Page, selector: string, attr: string) => page.getAttribute(selector, attr);
  const chartOption = (page: Page, id: string) => page.evaluate((i) => window.segmenta?.chartOption(i) as any, id);

  async function shot(page: Page, name: string, selector?: string): Promise<void> {
    if (!SHOTS) return;
    fs.mkdirSync(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}.png`);
    if (selector) {
      // The sticky section bar would be painted over a card taller than the window.
      await page.evaluate(() => document.querySelector('.sections')?.setAttribute('style', 'position: static'));
      await page.locator(selector).screenshot({ path: file });
      await page.evaluate(() => document.querySelector('.sections')?.removeAttribute('style'));
    } else await page.screenshot({ path: file });
  }

  beforeAll(async () => {
    const built = await buildWeb(); // the service serves dist/web, as after `npm run build`
    expect(built.files.find((f) => f.name === 'app.js')?.bytes).toBeGreaterThan(100_000);
    db = await createTrainedDb();
    // A stored backtest, for the model view's gain chart and calibration curve.
    await runBacktest(db.ds, { cutoff: new Date('2018-05-01T00:00:00Z'), horizonDays: 90, seed: 3 });
    open = await startTestServer({ db });
    keyed = await startTestServer({ db, settings: { apiKeys: spec, sandbox: true }, training: true });
    // A fresh temporary profile (user data dir) per launch; removed when the browser closes.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await waitForRetrain();
    await open?.close();
    await keyed?.close();
    await db?.drop();
  });

  it('is served by the service itself: page, bundle and assets, with a same-origin-only policy', async () => {
    const page = await open.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).toContain('/dashboard/app.js');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // no external script, style or icon

    const js = await open.get('/dashboard/app.js', { 'accept-encoding': 'gzip' });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('content-encoding')).toBe('gzip');
    const etag = js.headers.get('etag') ?? '';
    expect((await open.get('/dashboard/app.js', { 'if-none-match': etag })).status).toBe(304);
    expect((await open.get('/dashboard/app.css')).headers.get('content-type')).toMatch(/text\/css/);

    // Public (the page holds no data) even when keys are configured; nothing outside the build is reachable.
    expect((await keyed.get('/dashboard/')).status).toBe(200);
    for (const p of ['/dashboard/nope.js', '/dashboard/..%2Fpackage.json', '/dashboard/app.js.gz', '/dashboard/.hidden.js']) {
      expect([p, (await open.get(p)).status]).toEqual([p, 404]);
    }
  });

  it('renders every panel with the data the API answers', async () => {
    const { activeModel } = await api(open, `{ activeModel { id } }`);
    const modelId: string = activeModel.id;
    const seg = `id name size priorityRank profile { feature z }`;
    const answers = await api(
      open,
      `query($m: ID) {
        clusters: segments(kind: CLUSTER, modelId: $m) { ${seg} }
        rfm: segments(kind: RFM, modelId: $m) { ${seg} }
        segmentMap(modelId: $m) { points { clusterId customerId } centroids { clusterId name } }
        clusterQuality(modelId: $m) { k kSearch { k } }
        rfmGrid(modelId: $m) { customers revenue }
        segmentOverlap(modelId: $m) { adjustedRandIndex cells { customers } }
        cohortRetention { cohort }
        timeline(modelId: $m) { period series activeCustomers }
        geoSegments(modelId: $m) { state lat lng }
        modelVersions { totalCount }
      }`,
      { m: modelId },
    );

    const { page, errors, foreign } = await openPage(open);
    await settled(page);
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    for (const name of ['priority', 'map', 'profiles', 'ksearch', 'rfm', 'overlap', 'cohorts', 'timeline', 'geo', 'lookup', 'models']) {
      expect([name, await panelState(page, name)]).toEqual([name, 'ready']);
    }
    expect(await page.getAttribute('#model-badge [data-model-id]', 'data-model-id')).toBe(modelId);
    await shot(page, 'overview-1366x768');

    // Priority board: clusters by rank, then RFM segments.
    const rows = async () =>
      page.$$eval('#priority-table tbody tr', (trs) => trs.map((tr) => ({ name: tr.getAttribute('data-name'), size: Number(tr.getAttribute('data-size')), rank: Number(tr.getAttribute('data-rank')) })));
    const clusterRows = await rows();
    expect(clusterRows).toHaveLength(answers.clusters.length);
    expect(clusterRows[0]).toEqual({ name: answers.clusters[0].name, size: answers.clusters[0].size, rank: 1 });
    expect(clusterRows.map((r) => r.name)).toEqual(answers.clusters.map((s: { name: string }) => s.name));
    expect(await page.textContent('#priority-table tbody tr:first-child')).toContain(answers.clusters[0].name);
    await shot(page, 'priority-board', '[data-panel="priority"]');
    await page.click('[data-panel="priority"] button[data-kind="RFM"]');
    await page.waitForFunction(() => {
      const p = document.querySelector('[data-panel="priority"]');
      return p?.dataset.kind === 'RFM' && p.dataset.state === 'ready';
    });
    const rfmRows = await rows();
    expect(rfmRows).toHaveLength(answers.rfm.length);
    expect(rfmRows[0]).toEqual({ name: answers.rfm[0].name, size: answers.rfm[0].size, rank: answers.rfm[0].priorityRank });

    // The CSV link downloads the segment's customer list (fetched with the page's credentials).
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#priority-table tbody tr:first-child button[data-export]')]);
    const csv = fs.readFileSync((await download.path()) as string, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^customer_id,/);
    expect(csv.length - 1).toBe(answers.rfm[0].size);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);

    // Segment map: every projected customer, one series per cluster, centroids labelled.
    const map = await chartOption(page, 'segment-map-chart');
    const pointSeries = map.series.filter((s: { name: string }) => s.name !== 'Centres');
    expect(pointSeries.reduce((n: number, s: { data: unknown[] }) => n + s.data.length, 0)).toBe(answers.segmentMap.points.length);
    expect(Number(await data(page, '#segment-map-chart', 'data-points'))).toBe(answers.segmentMap.points.length);
    const centres = map.series.find((s: { name: string }) => s.name === 'Centres');
    expect(centres.data.map((d: { name: string }) => d.name).sort()).toEqual(answers.segmentMap.centroids.map((c: { name: string }) => c.name).sort());
    await shot(page, 'segment-map', '[data-panel="map"]');

    // Cluster profiles: clusters × features, the z of the API in each cell.
    const profiles = await chartOption(page, 'profiles-chart');
    const features = answers.clusters[0].profile.length;
    expect(profiles.series[0].data).toHaveLength(answers.clusters.length * features);
    expect(profiles.xAxis[0].data).toEqual(answers.clusters.map((c: { name: string }) => c.name));
    const firstZ = answers.clusters[0].profile[0].z as number;
    const cell = profiles.series[0].data.find((d: { value: number[] }) => d.value[0] === 0 && d.value[1] === features - 1);
    expect(cell.value[2]).toBeCloseTo(firstZ, 2);
    await shot(page, 'cluster-profiles', '[data-panel="profiles"]');

    // k search with the chosen k marked.
    const ks = await chartOption(page, 'ksearch-chart');
    expect(ks.series[0].data).toHaveLength(answers.clusterQuality.kSearch.length);
    expect(ks.series[0].markLine.data[0].xAxis).toBe(answers.clusterQuality.k);
    expect(await page.textContent('[data-stat="k"]')).toBe(String(answers.clusterQuality.k));
    await shot(page, 'k-search', '[data-panel="ksearch"]');

    // RFM grid: 25 cells; counts, then revenue.
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(Number(await data(page, '#rfm-chart', 'data-cells'))).toBe(answers.rfmGrid.length);
    expect(Number(await data(page, '#rfm-chart', 'data-total'))).toBe(sum(answers.rfmGrid.map((c: { customers: number }) => c.customers)));
    await shot(page, 'rfm-grid', '[data-panel="rfm"]');
    await page.click('[data-panel="rfm"] button[data-measure="revenue"]');
    await page.waitForSelector('#rfm-chart[data-measure="revenue"]');
    expect(Number(await data(page, '#rfm-chart', 'data-total'))).toBeCloseTo(sum(answers.rfmGrid.map((c: { revenue: number }) => c.revenue)), 1);

    // Overlap with its ARI, cohorts, timeline, geo.
    expect(Number(await data(page, '#overlap-chart', 'data-ari'))).toBeCloseTo(answers.segmentOverlap.adjustedRandIndex, 10);
    expect(await page.textContent('[data-stat="ari"][data-ari]')).toBe(answers.segmentOverlap.adjustedRandIndex.toFixed(3));
    expect((await chartOption(page, 'overlap-chart')).series[0].data).toHaveLength(answers.segmentOverlap.cells.length);
    await shot(page, 'segment-overlap', '[data-panel="overlap"]');
    expect(Number(await data(page, '#cohorts-chart', 'data-cohorts'))).toBe(answers.cohortRetention.length);
    expect((await chartOption(page, 'cohorts-chart')).yAxis[0].data).toHaveLength(answers.cohortRetention.length);
    await shot(page, 'cohort-retention', '[data-panel="cohorts"]');
    const all = answers.timeline.filter((p: { series: string }) => p.series === 'all').sort((a: { period: string }, b: { period: string }) => a.period.localeCompare(b.period));
    const tl = await chartOption(page, 'timeline-chart');
    expect(tl.xAxis[0].data).toEqual([...new Set(answers.timeline.map((p: { period: string }) => p.period))].sort());
    expect(tl.series.find((s: { name: string }) => s.name === 'All customers').data).toEqual(all.map((p: { activeCustomers: number }) => p.activeCustomers));
    await shot(page, 'timeline', '[data-panel="timeline"]');
    const geo = await chartOption(page, 'geo-chart');
    const placed = answers.geoSegments.filter((g: { lat: number | null; lng: number | null }) => g.lat !== null && g.lng !== null);
    expect(geo.series[1].data.map((d: { name: string }) => d.name).sort()).toEqual(placed.map((g: { state: string }) => g.state).sort());
    await shot(page, 'geo', '[data-panel="geo"]');

    // Models: every version, the active one marked.
    expect(await page.$$eval('#models-table tbody tr', (trs) => trs.length)).toBe(answers.modelVersions.totalCount);
    expect(await page.getAttribute(`#models-table tr[data-model-id="${modelId}"]`, 'data-active')).toBe('true');

    // Customer lookup shows what customer(id) answers.
    const someone: string = answers.segmentMap.points[1].customerId;
    const { customer } = await api(open, `query($id: ID!) { customer(id: $id) { id cluster { name } churn { churnProbability } } }`, { id: someone });
    await page.fill('#lookup-id', someone);
    await page.click('#lookup-form button[type="submit"]');
    const card = await page.waitForSelector(`[data-customer-id="${someone}"]`);
    expect(await card.getAttribute('data-cluster-name')).toBe(customer.cluster.name);
    expect(Number(await card.getAttribute('data-churn-probability'))).toBeCloseTo(customer.churn.churnProbability, 12);
    expect(await page.textContent('[data-field="churn-probability"]')).toBe(`${(customer.churn.churnProbability * 100).toFixed(1)}%`);
    expect(await page.textContent('[data-field="cluster"]')).toContain(customer.cluster.name);
    await shot(page, 'customer-lookup', '[data-panel="lookup"]');
    await page.fill('#lookup-id', 'no-such-customer');
    await page.click('#lookup-form button[type="submit"]');
    expect(await (await page.waitForSelector('[data-not-found]')).textContent()).toContain('No customer with id "no-such-customer"');

    // Clicking a point of the map looks that customer up (a real click on the canvas). The point farthest from
    // every centre is clicked, so that no centre label covers it.
    const centreIndex = map.series.indexOf(centres);
    const target = await page.evaluate(
      ([series, ci]) => {
        const px = (s: number, v: number[]) => window.segmenta.chartPixel('segment-map-chart', s, v) as number[];
        const cs = series[ci].data.map((d: { value: number[] }) => px(ci, d.value));
        const all: { id: string; x: number; y: number; gap: number }[] = [];
        series.forEach((s: { name: string; data: { value: number[]; id: string }[] }, i: number) => {
          if (i === ci) return;
          for (const d of s.data) {
            const [x, y] = px(i, d.value);
            all.push({ id: d.id, x, y, gap: Math.min(...cs.map(([cx, cy]: number[]) => Math.hypot(cx - x, cy - y))) });
          }
        });
        const best = all.reduce((a, b) => (b.gap > a.gap ? b : a));
        // Customers with the same features sit on the same spot: any of them may be the one on top.
        return { ...best, ids: all.filter((p) => Math.hypot(p.x - best.x, p.y - best.y) < 3).map((p) => p.id) };
      },
      [map.series, centreIndex] as const,
    );
    await page.locator('#segment-map-chart').click({ position: { x: target.x, y: target.y } });
    await page.waitForFunction((ids) => ids.includes(document.querySelector('#lookup-result [data-customer-id]')?.getAttribute('data-customer-id')), target.ids);
    expect(target.ids).toContain(await page.inputValue('#lookup-id'));

    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.context().close();
  });

  it('drills from a segment into its customers: column sort, filters, keyset pages and a CSV of the filter, kept in the URL', async () => {
    const PAGE_Q = `query($f: CustomerFilter, $o: CustomerOrderBy, $after: String) {
      customers(filter: $f, orderBy: $o, first: 25, after: $after) { totalCount pageInfo { endCursor hasNextPage } nodes { id } }
    }`;
    const { page, errors, foreign } = await openPage(open);
    await settled(page);
    const ddIds = () => page.$$eval('#drilldown-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-customer-id')));
    const ddReady = (sort: string) =>
      page.waitForFunction((s) => {
        const p = document.querySelector('[data-panel="drilldown"]');
        return !p.hidden && p.dataset.state !== 'loading' && document.getElementById('drilldown-table').dataset.sort === s;
      }, sort);

    // The priority board's kind goes into the URL; its largest RFM segment opens from its name.
    await page.click('[data-panel="priority"] button[data-kind="RFM"]');
    await page.waitForFunction(() => document.querySelector('[data-panel="priority"]')?.dataset.kind === 'RFM' && document.querySelector('[data-panel="priority"]')?.dataset.state === 'ready');
    expect(new URL(page.url()).searchParams.get('kind')).toBe('RFM');
    const { segments } = await api(open, `{ segments(kind: RFM) { key size } }`);
    const seg = segments.reduce((a: { size: number }, b: { size: number }) => (b.size > a.size ? b : a));
    expect(seg.size).toBeGreaterThan(25); // more than one page
    await page.click(`#priority-table button[data-open-segment="RFM:${seg.key}"]`);
    await ddReady('PRIORITY:DESC');
    const base = { rfmSegment: seg.key };
    let want = (await api(open, PAGE_Q, { f: base, o: { field: 'PRIORITY', direction: 'DESC' } })).customers;
    expect(await ddIds()).toEqual(want.nodes.map((n: { id: string }) => n.id));
    expect(Number(await page.getAttribute('[data-panel="drilldown"]', 'data-total'))).toBe(seg.size);
    expect(new URL(page.url()).searchParams.get('seg')).toBe(`RFM:${seg.key}`);

    // Sort by CLV (highest first), then lowest first.
    await page.click('#drilldown-table th[data-sort="CLV"] button');
    await ddReady('CLV:DESC');
    want = (await api(open, PAGE_Q, { f: base, o: { field: 'CLV', direction: 'DESC' } })).customers;
    expect(await ddIds()).toEqual(want.nodes.map((n: { id: string }) => n.id));
    await page.click('#drilldown-table th[data-sort="CLV"] button');
    await ddReady('CLV:ASC');

    // Filter: churn risk from the segment's median (as a percentage), applied to the table and the URL.
    const { customers: all } = await api(open, `query($f: CustomerFilter) { customers(filter: $f, first: 500) { nodes { churn { churnProbability } } } }`, { f: base });
    const probs = all.nodes.map((n: { churn: { churnProbability: number } | null }) => n.churn?.churnProbability).filter((v: number | undefined) => v !== undefined).sort((a: number, b: number) => a - b);
    // A threshold the form can hold (a percentage with two decimals) that keeps most members but not all.
    const kept = (t: number) => probs.filter((v: number) => v >= t).length;
    const candidates = [...new Set(probs.map((v: number) => Math.round(v * 10000) / 10000))] as number[];
    const fits = candidates.filter((t) => kept(t) > 25 && kept(t) < probs.length);
    expect(fits.length).toBeGreaterThan(0);
    const best = fits.reduce((a, b) => (Math.abs(kept(a) - (3 * probs.length) / 4) <= Math.abs(kept(b) - (3 * probs.length) / 4) ? a : b));
    const pct = Math.round(best * 10000) / 100;
    await page.fill('#dd-churn-min', String(pct));
    await page.click('#drilldown-filters button[type="submit"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.has('churnMin'));
    expect(Number(new URL(page.url()).searchParams.get('churnMin'))).toBeCloseTo(pct / 100, 9);
    await ddReady('CLV:ASC');
    const filtered = { ...base, churnProbability: { min: pct / 100 } };
    const first = (await api(open, PAGE_Q, { f: filtered, o: { field: 'CLV', direction: 'ASC' } })).customers;
    await page.waitForFunction((n) => document.querySelector('[data-panel="drilldown"]')?.dataset.total === String(n), first.totalCount);
    expect(first.totalCount).toBeGreaterThan(25);
    expect(first.totalCount).toBeLessThan(seg.size);
    expect(await ddIds()).toEqual(first.nodes.map((n: { id: string }) => n.id));

    // Keyset pages: the next page is the API's page after the first page's end cursor; back returns to the first.
    await page.click('#drilldown-next');
    await page.waitForFunction(() => document.querySelector('[data-panel="drilldown"]')?.dataset.page === '2' && document.querySelector('[data-panel="drilldown"]')?.dataset.state !== 'loading');
    const second = (await api(open, PAGE_Q, { f: filtered, o: { field: 'CLV', direction: 'ASC' }, after: first.pageInfo.endCursor })).customers;
    expect(await ddIds()).toEqual(second.nodes.map((n: { id: string }) => n.id));
    expect(await page.textContent('#drilldown-count')).toContain(`26–`);
    await page.click('#drilldown-prev');
    await page.waitForFunction(() => document.querySelector('[data-panel="drilldown"]')?.dataset.page === '1' && document.querySelector('[data-panel="drilldown"]')?.dataset.state !== 'loading');
    expect(await ddIds()).toEqual(first.nodes.map((n: { id: string }) => n.id));

    // The CSV holds exactly the filtered customers, numbers rounded.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#drilldown-csv')]);
    const csv = fs.readFileSync((await download.path()) as string, 'utf8').trim().split(/\r?\n/);
    expect(csv.length - 1).toBe(first.totalCount);
    const allFiltered = (await api(open, `query($f: CustomerFilter) { customers(filter: $f, first: 500) { nodes { id } } }`, { f: filtered })).customers.nodes.map((n: { id: string }) => n.id);
    expect(csv.slice(1).map((l) => l.split(',')[0]).sort()).toEqual([...allFiltered].sort());
    await shot(page, 'segment-drilldown', '[data-panel="drilldown"]');

    // The URL restores the same view in a fresh tab.
    const shared = page.url();
    const other = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await other.goto(shared);
    await other.waitForFunction(() => document.body.dataset.state === 'ready');
    await other.waitForFunction(() => document.getElementById('drilldown-table')?.dataset.sort === 'CLV:ASC' && document.querySelector('[data-panel="drilldown"]')?.dataset.state === 'ready');
    expect(await other.inputValue('#dd-churn-min')).toBe(String(pct));
    expect(await other.$$eval('#drilldown-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-customer-id')))).toEqual(first.nodes.map((n: { id: string }) => n.id));
    expect(await other.getAttribute('[data-panel="priority"]', 'data-kind')).toBe('RFM');
    await other.context().close();

    // The RFM grid, the cluster profiles and the map's cluster centres open their segment too (real clicks).
    const clickCell = async (chartId: string, value: number[]) => {
      const [x, y] = (await page.evaluate(([id, v]) => window.segmenta.chartPixel(id, 0, v), [chartId, value] as const)) as number[];
      await page.locator(`#${chartId}`).click({ position: { x, y } });
    };
    const { rfmGrid } = await api(open, `{ rfmGrid { r f segment customers } }`);
    const cell = rfmGrid.find((c: { customers: number }) => c.customers > 0);
    await clickCell('rfm-chart', [cell.f - 1, cell.r - 1]);
    await page.waitForFunction((k) => document.querySelector('[data-panel="drilldown"]')?.dataset.key === k && document.querySelector('[data-panel="drilldown"]')?.dataset.kind === 'RFM', cell.segment);
    const clusters = (await api(open, `{ segments(kind: CLUSTER) { key } }`)).segments;
    await clickCell('profiles-chart', [1, 0]);
    await page.waitForFunction((k) => document.querySelector('[data-panel="drilldown"]')?.dataset.key === k && document.querySelector('[data-panel="drilldown"]')?.dataset.kind === 'CLUSTER', clusters[1].key);
    expect(new URL(page.url()).searchParams.get('seg')).toBe(`CLUSTER:${clusters[1].key}`);
    await page.waitForFunction(() => document.querySelector('[data-panel="drilldown"]')?.dataset.state !== 'loading');

    // Lookup by the start of an id lists the customers it matches (as customers(filter: { idPrefix }) does).
    const someone = want.nodes[0].id as string;
    const prefix = someone.slice(0, 3);
    const byPrefix = (await api(open, `query($p: String!) { customers(filter: { idPrefix: $p }, first: 10) { totalCount nodes { id } } }`, { p: prefix })).customers;
    await page.fill('#lookup-id', prefix);
    await page.click('#lookup-form button[type="submit"]');
    const matches = await page.waitForSelector(`[data-prefix="${prefix}"]`);
    expect(Number(await matches.getAttribute('data-matches'))).toBe(byPrefix.totalCount);
    expect(await page.$$eval('[data-prefix-match]', (bs) => bs.map((b) => b.getAttribute('data-prefix-match')))).toEqual(byPrefix.nodes.map((n: { id: string }) => n.id));
    await page.click(`[data-prefix-match="${byPrefix.nodes[0].id}"]`);
    await page.waitForSelector(`#lookup-result [data-customer-id="${byPrefix.nodes[0].id}"]`);

    // Closing the table clears its part of the URL.
    await page.click('#drilldown-close');
    expect(new URL(page.url()).searchParams.get('seg')).toBeNull();
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('fits a 390 px phone: no sideways scrolling, wrapped header and toggles, table rows as cards', async () => {
    const { page, errors } = await openPage(open, { width: 390, height: 844 });
    await settled(page);
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    const overflow = () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(await overflow()).toEqual({ scroll: 390, view: 390 });
    // Nothing pokes out of the viewport (the cause of sideways scrolling), whatever the overflow settings.
    const wide = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.right > window.innerWidth + 0.5 && !e.closest('.sections') && getComputedStyle(e).position !== 'fixed';
          })
          .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`)
          .slice(0, 10),
      );
    expect(await wide()).toEqual([]);
    expect(await page.$eval('#priority-table tbody tr', (tr) => getComputedStyle(tr).display)).toBe('block');
    await shot(page, 'phone-390x844');
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'phone-390x844-full.png'), fullPage: true });

    // With a segment open from the URL, its table too.
    const { segments } = await api(open, `{ segments(kind: CLUSTER) { key } }`);
    await page.goto(`${open.server.url}/dashboard?seg=CLUSTER:${segments[0].key}&churnMin=0.1`);
    await settled(page);
    await page.waitForFunction(() => document.querySelector('[data-panel="drilldown"]')?.dataset.state === 'ready');
    expect(await overflow()).toEqual({ scroll: 390, view: 390 });
    expect(await wide()).toEqual([]);
    expect(await page.$eval('#drilldown-table tbody tr', (tr) => getComputedStyle(tr).display)).toBe('block');
    await shot(page, 'phone-drilldown', '[data-panel="drilldown"]');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows cohort retention of one state with percentages in the cells, and the timeline by RFM segment and by cluster', async () => {
    const { page, errors } = await openPage(open);
    await settled(page);
    const { cohortRetention } = await api(open, `{ cohortRetention(cohorts: 24, by: STATE) { cohort group size cells { share } } }`);
    const sizes = new Map<string, number>();
    for (const c of cohortRetention) if (c.group) sizes.set(c.group, (sizes.get(c.group) ?? 0) + c.size);
    const state = [...sizes].sort((a, b) => b[1] - a[1])[0][0];
    const mine = cohortRetention.filter((c: { group: string | null }) => c.group === state);
    await page.waitForFunction((st) => [...document.querySelectorAll('#cohort-state option')].some((o) => o.value === st), state);
    await page.selectOption('#cohort-state', state);
    await page.waitForFunction((st) => document.getElementById('cohorts-chart')?.dataset.cohortState === st && document.querySelector('[data-panel="cohorts"]')?.dataset.state === 'ready', state);
    const co = await chartOption(page, 'cohorts-chart');
    expect(co.yAxis[0].data).toEqual([...mine].sort((a, b) => b.cohort.localeCompare(a.cohort)).map((c: { cohort: string; size: number }) => `${c.cohort} (${c.size.toLocaleString('en-US')})`));
    expect(co.series[0].data.length).toBe(mine.reduce((n: number, c: { cells: unknown[] }) => n + c.cells.length, 0));
    expect(co.series[0].label.show).toBe(true);
    // No cohort label is clipped: the left margin holds the widest one, as the browser measures it.
    const widest = await page.evaluate((labels) => {
      const c = document.createElement('canvas').getContext('2d');
      c.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
      return Math.max(...labels.map((l: string) => c.measureText(l).width));
    }, co.yAxis[0].data);
    expect(co.grid[0].left).toBeGreaterThan(widest + 8);
    await shot(page, 'cohort-retention-state', '[data-panel="cohorts"]');

    const { timeline, segments } = await api(open, `{ timeline(months: 24) { period series activeCustomers } segments(kind: CLUSTER) { key name } }`);
    const periods = [...new Set(timeline.map((p: { period: string }) => p.period))].sort();
    for (const [group, prefix] of [['cluster', 'cluster:'], ['segment', 'segment:']] as const) {
      await page.click(`[data-panel="timeline"] button[data-group="${group}"]`);
      await page.waitForFunction((g) => document.getElementById('timeline-chart')?.dataset.group === g, group);
      const tl = await chartOption(page, 'timeline-chart');
      const names = [...new Set(timeline.filter((p: { series: string }) => p.series.startsWith(prefix)).map((p: { series: string }) => p.series))] as string[];
      expect(names.length).toBeGreaterThan(1);
      const bars = tl.series.filter((s: { type: string }) => s.type === 'bar');
      expect(bars).toHaveLength(names.length);
      names.forEach((name, i) => {
        const key = name.slice(prefix.length);
        expect(bars[i].name).toBe(group === 'cluster' ? segments.find((c: { key: string }) => c.key === key).name : key);
        const byPeriod = new Map(timeline.filter((p: { series: string }) => p.series === name).map((p: { period: string; activeCustomers: number }) => [p.period, p.activeCustomers]));
        expect(bars[i].data).toEqual(periods.map((p) => byPeriod.get(p) ?? 0));
      });
      expect(tl.yAxis[0].nameLocation).toBe('middle'); // the axis name is beside the axis, not under the legend
    }
    await shot(page, 'timeline-by-cluster', '[data-panel="timeline"]');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('shows loading, retry on failure, an ignored key in open mode, money in the store currency with the CLV horizon, red for risk and the map sample', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    // The first load fails at the network (the service unreachable), held until its loading state has been seen.
    let failing = true;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/graphql', async (route) => {
      if (!failing) return route.continue();
      await held;
      return route.abort('connectionrefused');
    });
    await page.goto(`${open.server.url}/dashboard`);
    expect(await page.getAttribute('body', 'data-state')).toBe('loading');
    release();
    await settled(page);
    expect(await page.getAttribute('#banner', 'data-code')).toBe('NETWORK');
    expect(await page.isVisible('#banner-retry')).toBe(true);
    failing = false;
    await page.click('#banner-retry');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('banner')?.hidden === true);
    expect(await panelState(page, 'priority')).toBe('ready');

    // Money: the store's currency (BRL by default) and the CLV horizon of the model.
    const { activeModel, serviceInfo, segmentMap } = await api(open, `{ activeModel { customers churnModel { clvHorizonMonths } } serviceInfo { currency } segmentMap { points { customerId } } }`);
    expect(serviceInfo.currency).toBe('BRL');
    const valueCell = page.locator('#priority-table tbody tr:first-child td[data-label^="Value if retained"]');
    expect(await valueCell.getAttribute('data-label')).toBe(`Value if retained (${activeModel.churnModel.clvHorizonMonths} mo)`);
    expect(await valueCell.textContent()).toMatch(/R\$/);

    // A key typed in open mode is ignored, and the page says so.
    expect(await page.isVisible('#key-note')).toBe(false);
    await page.fill('#api-key', 'some-key');
    await page.click('#key-form button[type="submit"]');
    await page.waitForSelector('#key-note:not([hidden])');
    expect(await page.textContent('#key-note')).toMatch(/open mode.*ignored/i);

    // Churn risk by state: one absolute scale from 0 % (green) to 100 % (red).
    const geo = await chartOption(page, 'geo-chart');
    expect([geo.visualMap[0].min, geo.visualMap[0].max]).toEqual([0, 1]);
    expect(geo.visualMap[0].inRange.color.at(-1)).toBe('#d62728');
    // The segment map says whether it shows everyone or a sample.
    const n = segmentMap.points.length;
    expect(await page.textContent('#map-sample')).toBe(n < activeModel.customers ? `Sample of ${n.toLocaleString('en-US')} of ${activeModel.customers.toLocaleString('en-US')} customers.` : `All ${n.toLocaleString('en-US')} customers.`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says what to do when no model exists yet', async () => {
    const empty = await createTestDb();
    const bare = await startTestServer({ db: empty });
    try {
      const { page, errors } = await openPage(bare);
      await settled(page);
      expect(await page.getAttribute('#banner', 'data-code')).toBe('NO_MODEL');
      expect(await page.textContent('#banner')).toMatch(/no trained model yet.*Models panel/);
      expect(await panelState(page, 'priority')).toBe('empty');
      expect(await page.textContent('[data-panel="priority"] .panel-status')).toMatch(/No model yet\. Train one in the Models panel/);
      expect(await page.getAttribute('[data-panel="priority"] .panel-status a', 'href')).toBe('#models');
      await shot(page, 'no-model');
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      await bare.close();
      await empty.drop();
    }
  });

  it('reads well on a 1920×1080 screen too', async () => {
    const { page, errors } = await openPage(open, { width: 1920, height: 1080 });
    await settled(page);
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    // Two cards side by side and no horizontal scrolling.
    const [a, b] = await page.$$eval('[data-panel="map"], [data-panel="profiles"]', (els) => els.map((e) => e.getBoundingClientRect().top));
    expect(a).toBe(b);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot(page, 'overview-1920x1080');
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'full-page-1920.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('runs a retrain from the page with live progress, then activates the older model again', async () => {
    const { activeModel: was } = await api(open, `{ activeModel { id seed } }`);
    const before = was.id as string;
    const { page, errors } = await openPage(open);
    await settled(page);
    await page.fill('#retrain-seed', '11');
    await page.fill('#retrain-note', 'September orders loaded');
    await page.click('#retrain-button');

    // Sample what the page shows while the run goes on.
    const seen: { status: string; progress: number; step: string }[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = await page.evaluate(() => ({
        status: document.getElementById('run-status')?.dataset.runStatus ?? '',
        progress: Number(document.getElementById('run-progress')?.dataset.progress ?? NaN),
        step: document.getElementById('run-step')?.textContent ?? '',
      }));
      if (s.status) seen.push(s);
      if (s.status === 'SUCCEEDED' || s.status === 'FAILED' || Date.now() > deadline) break;
      await page.waitForTimeout(100);
    }
    const final = seen[seen.length - 1];
    expect(final.status).toBe('SUCCEEDED');
    expect(final.progress).toBe(1);
    const progress = seen.map((s) => s.progress);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(new Set(progress).size).toBeGreaterThanOrEqual(2);
    expect(seen.some((s) => s.status === 'RUNNING' || s.status === 'QUEUED')).toBe(true);
    expect(seen.some((s) => /\w+ · \d+%/.test(s.step))).toBe(true); // the step name and percentage are shown

    const after = (await api(open, `{ activeModel { id } }`)).activeModel.id as string;
    expect(after).not.toBe(before);
    expect(await page.textContent('#run-message')).toContain(`Model ${after}`);
    expect(await page.textContent('#run-label')).toContain('September orders loaded');
    // The page reloads itself onto the new model.
    await page.waitForSelector(`#model-badge [data-model-id="${after}"]`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready');
    expect(await page.getAttribute(`#models-table tr[data-model-id="${after}"]`, 'data-active')).toBe('true');
    await page.waitForFunction(() => document.getElementById('run-message')?.dataset.modelActive === 'true');
    expect(await page.textContent('#run-message')).toContain('is the active model');
    // Versions are told apart: number, what changed against the version before, the note and who asked.
    const labels = await page.$$eval('#models-table td[data-version-label]', (tds) => tds.map((td) => td.getAttribute('data-version-label')));
    expect(new Set(labels).size).toBe(labels.length);
    const mine = (await page.getAttribute(`#models-table tr[data-model-id="${after}"] td[data-version-label]`, 'data-version-label')) ?? '';
    expect(mine).toMatch(new RegExp(`^v${after} · .*seed ${was.seed} → 11`));
    expect(await page.getAttribute(`#models-table tr[data-model-id="${after}"] [data-note]`, 'data-note')).toBe('September orders loaded');
    expect(await page.textContent(`#models-table tr[data-model-id="${after}"]`)).toContain('requested by open-local-mode');
    // The comparison of the new version with the one before it: what the API answers.
    await page.waitForFunction(([a, b]) => { const c = document.getElementById('compare'); return c?.dataset.state === 'ready' && c.dataset.from === a && c.dataset.to === b; }, [before, after] as const);
    const { modelComparison: cmp } = await api(open, `query($a: ID!, $b: ID!) { modelComparison(from: $a, to: $b) { customersMoved customersInBoth sizes { key fromSize toSize } } }`, { a: before, b: after });
    expect(Number(await page.getAttribute('#compare-summary', 'data-moved'))).toBe(cmp.customersMoved);
    expect(Number(await page.getAttribute('#compare-summary', 'data-in-both'))).toBe(cmp.customersInBoth);
    expect(await page.$$eval('#compare-sizes tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-key'), Number(tr.getAttribute('data-from')), Number(tr.getAttribute('data-to'))]))).toEqual(
      cmp.sizes.map((x: { key: string; fromSize: number; toSize: number }) => [x.key, x.fromSize, x.toSize]),
    );
    await page.click('#compare button[data-compare-kind="RFM"]');
    await page.waitForFunction(() => document.getElementById('compare')?.dataset.kind === 'RFM' && document.getElementById('compare')?.dataset.state === 'ready');
    // The latest backtest: its gain chart (one line per ranking) beside the calibration curve.
    await page.waitForSelector('#backtest-view figure.backtest-gain svg polyline');
    await page.waitForSelector('#backtest-view figure.backtest-calibration svg');
    await shot(page, 'models', '[data-panel="models"]');

    // Roll back to the first model from the table.
    await page.click(`#models-table button[data-activate="${before}"]`);
    await page.waitForSelector(`#model-badge [data-model-id="${before}"]`);
    expect((await api(open, `{ activeModel { id } }`)).activeModel.id).toBe(before);
    expect(await page.textContent('#models-message')).toContain(`Model ${before}`);
    // The run box tells the present: its model is no longer the active one.
    await page.waitForFunction(() => document.getElementById('run-message')?.dataset.modelActive === 'false');
    const runMessage = (await page.textContent('#run-message')) ?? '';
    expect(runMessage).toContain(`Model ${after}`);
    expect(runMessage).toContain(`not active now: model ${before} is`);
    expect(runMessage).not.toMatch(/is the active model|trained and active/);
    await shot(page, 'models-after-rollback', '[data-panel="models"]');
    expect(errors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('runs a query in the bundled GraphQL explorer with the key the dashboard holds, every other host blocked', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const origin = keyed.server.url;
    const blocked: string[] = [];
    // Offline but for the service: any other host is refused at the network layer.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      blocked.push(url);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text());
    });
    const { activeModel } = await api(keyed, `{ activeModel { id name } }`, {}, keys.viewer);

    await page.goto(`${origin}/dashboard`);
    await settled(page);
    await page.fill('#api-key', keys.viewer);
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('banner')?.hidden === true);

    const runQuery = async () => {
      await page.waitForSelector('.graphiql-container .graphiql-execute-button');
      expect(await page.textContent('#explorer-key')).toMatch(/API key entered on the dashboard/);
      await page.click('.graphiql-execute-button');
      await page.waitForFunction(() => /"activeModel"/.test(document.querySelector('.result-window')?.textContent ?? ''), undefined, { timeout: 20_000 });
      const text = (await page.textContent('.result-window')) ?? '';
      expect(text).toContain(`"id": "${activeModel.id}"`);
      expect(text).not.toContain('UNAUTHENTICATED');
    };

    // From the dashboard's header…
    await page.click('#explorer-link');
    await page.waitForURL(/\/dashboard\/explorer\.html$/);
    await runQuery();
    await shot(page, 'graphql-explorer');

    // …and from GET /graphql, which a browser gets in development.
    const response = await page.goto(`${origin}/graphql`);
    expect(response?.headers()['content-security-policy']).toContain("connect-src 'self'");
    expect(await page.getAttribute('#explorer', 'data-explorer')).toBe('graphiql');
    await runQuery();

    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('explains a missing or wrong API key, keeps a good one for the session, and refuses a viewer retrain', async () => {
    const { page, errors, foreign } = await openPage(keyed);
    await settled(page);
    const banner = page.locator('#banner');
    expect(await banner.getAttribute('data-code')).toBe('UNAUTHENTICATED');
    expect(await banner.textContent()).toMatch(/API key/);
    expect(await panelState(page, 'priority')).toBe('error');
    expect(await page.textContent('[data-panel="priority"] .panel-status')).toMatch(/key/);

    await page.fill('#api-key', 'not-a-key');
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('banner')?.textContent?.includes('not valid'));
    expect(await banner.textContent()).toContain('UNAUTHENTICATED');
    expect(await banner.isVisible()).toBe(true);
    await shot(page, 'wrong-api-key');

    await page.fill('#api-key', keys.viewer);
    await page.click('#key-form button[type="submit"]');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('banner')?.hidden === true);
    expect(await panelState(page, 'priority')).toBe('ready');
    expect(await page.$$eval('#priority-table tbody tr', (trs) => trs.length)).toBeGreaterThan(0);

    // Kept for the session: a reload needs no typing.
    await page.reload();
    await settled(page);
    expect(await page.inputValue('#api-key')).toBe(keys.viewer);
    expect(await panelState(page, 'map')).toBe('ready');

    // A viewer may look but not retrain.
    await page.click('#retrain-button');
    await page.waitForFunction(() => document.getElementById('models-message')?.textContent?.includes('FORBIDDEN'));
    expect(await page.textContent('#models-message')).toMatch(/admin/);

    // The only console errors are the browser's notes about the refused requests (HTTP 401).
    expect(errors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e))).toEqual([]);
    expect(foreign).toEqual([]);
    await page.context().close();
  });
});
