import { parse } from 'csv-parse/sync';
import { EXPORT_COLUMNS, EXPORT_DECIMALS, exportSegmentCsv, resolveExportSegment } from '../../src/http/export/segment-export.service';
import { csvLine } from '../../src/http/export/csv';
import { createTrainedDb } from '../helpers/trained-db';
import { startTestServer, testKeys, type TestServer } from '../graphql/helpers';

/** GET /export/segments/:id.csv over real HTTP against a trained database; expectations from SQL written here. */
type Db = Awaited<ReturnType<typeof createTrainedDb>>;

let db: Db;
let t: TestServer;
const { keys, spec } = testKeys();
const auth = { authorization: `Bearer ${keys.viewer}` };

beforeAll(async () => {
  db = await createTrainedDb();
  t = await startTestServer({ db, settings: { apiKeys: spec } });
});

afterAll(async () => {
  await t?.close();
  await db?.drop();
});

const url = (id: string) => `/export/segments/${encodeURIComponent(id)}.csv`;

async function members(where: string, params: unknown[]): Promise<string[]> {
  const rows: { id: string }[] = await db.ds.query(
    `SELECT c.customer_unique_id AS id FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
      WHERE cs.model_version_id = $1 AND ${where} ORDER BY cs.priority_score DESC NULLS LAST, cs.customer_id DESC`,
    [db.model.modelId, ...params],
  );
  return rows.map((r) => r.id);
}

async function download(id: string): Promise<{ res: Response; rows: string[][] }> {
  const res = await t.get(url(id), auth);
  const text = await res.text();
  return { res, rows: res.status === 200 ? (parse(text, { relax_column_count: false }) as string[][]) : [] };
}

describe('GET /export/segments/:id.csv', () => {
  it('streams a cluster as CSV: header, one row per member, values as the tables hold them', async () => {
    const [cl] = await db.ds.query(
      `SELECT cluster_id::text AS key, count(*)::int AS n FROM customer_segment WHERE model_version_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      [db.model.modelId],
    );
    const id = `${db.model.modelId}:CLUSTER:${cl.key}`;
    const { res, rows } = await download(id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="segment-${db.model.modelId}-CLUSTER-${cl.key}.csv"`);
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    expect(rows.length - 1).toBe(cl.n);
    expect(rows.slice(1).map((r) => r[0])).toEqual(await members('cs.cluster_id = $2::int', [cl.key]));

    const row = rows[Math.floor(rows.length / 2)];
    const [x] = await db.ds.query(
      `SELECT c.customer_unique_id, COALESCE(c.state, f.state) AS state, c.city, cs.cluster_id, sp.name, cs.r, cs.f, cs.m, cs.rfm_score,
              cs.rfm_segment, cs.churn_tier, cs.abc, cs.xyz, f.recency_days, f.frequency, f.monetary, cs.p_alive,
              cs.churn_probability, cs.expected_purchases_90d, cs.clv, cs.priority_score, cs.value_if_retained, cs.value_at_risk
         FROM customer c JOIN customer_segment cs ON cs.customer_id = c.id AND cs.model_version_id = $1
         JOIN customer_features f ON f.customer_id = c.id AND f.snapshot_id = $2
         LEFT JOIN segment_profile sp ON sp.model_version_id = $1 AND sp.kind = 'CLUSTER' AND sp.segment_key = cs.cluster_id::text
        WHERE c.customer_unique_id = $3`,
      [db.model.modelId, db.model.snapshotId, row[0]],
    );
    // Numbers at their unit's precision (EXPORT_DECIMALS): money to the cent, probabilities to 4 places.
    const expected = Object.entries(x).map(([k, v], i) => {
      if (v === null) return '';
      const d = EXPORT_DECIMALS[EXPORT_COLUMNS[i]];
      expect([k, d === undefined || typeof v === 'number']).toEqual([k, true]);
      return d === undefined ? String(v) : String(Number((v as number).toFixed(d)));
    });
    expect(row).toEqual(expected);
    for (const [c, d] of Object.entries(EXPORT_DECIMALS)) {
      for (const r of rows.slice(1)) {
        const v = r[EXPORT_COLUMNS.indexOf(c as (typeof EXPORT_COLUMNS)[number])];
        expect([c, v, (v.split('.')[1] ?? '').length <= (d as number)]).toEqual([c, v, true]);
      }
    }
    // Numbers survive the round trip exactly.
    expect(Number(row[EXPORT_COLUMNS.indexOf('recency_days')])).toBe(x.recency_days);
  });

  it('serves RFM (names with spaces) and ABC_XYZ segments, and "active" for the active model', async () => {
    const [rfm] = await db.ds.query(
      `SELECT segment_key AS key, size FROM segment_profile WHERE model_version_id = $1 AND kind = 'RFM' ORDER BY (segment_key LIKE '% %') DESC, size DESC LIMIT 1`,
      [db.model.modelId],
    );
    const a = await download(`${db.model.modelId}:RFM:${rfm.key}`);
    expect(a.res.status).toBe(200);
    expect(a.rows.slice(1).map((r) => r[0])).toEqual(await members('cs.rfm_segment = $2', [rfm.key]));
    expect(a.rows.length - 1).toBe(rfm.size);

    const [abc] = await db.ds.query(`SELECT segment_key AS key FROM segment_profile WHERE model_version_id = $1 AND kind = 'ABC_XYZ' ORDER BY size DESC LIMIT 1`, [
      db.model.modelId,
    ]);
    const b = await download(`active:ABC_XYZ:${abc.key}`);
    expect(b.res.status).toBe(200);
    expect(b.res.headers.get('content-disposition')).toContain(`segment-${db.model.modelId}-ABC_XYZ-${abc.key}.csv`);
    expect(b.rows.slice(1).map((r) => r[0])).toEqual(await members('cs.abc || cs.xyz = $2', [abc.key]));

    // The id in the path may be sent unencoded too.
    const c = await t.get(`/export/segments/active:ABC_XYZ:${abc.key}.csv`, auth);
    expect(c.status).toBe(200);
    expect((await c.text()).split('\r\n').length).toBe(b.rows.length + 1);
  });

  it('narrows a segment by the customers filter (state, churn and value ranges, id prefix), refusing bad values by name', async () => {
    const [seg] = await db.ds.query(
      `SELECT rfm_segment AS key FROM customer_segment WHERE model_version_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      [db.model.modelId],
    );
    const [q] = await db.ds.query(
      `SELECT percentile_cont(0.3) WITHIN GROUP (ORDER BY churn_probability) AS p30, percentile_cont(0.5) WITHIN GROUP (ORDER BY clv) AS clv50
         FROM customer_segment WHERE model_version_id = $1 AND rfm_segment = $2`,
      [db.model.modelId, seg.key],
    );
    const [st] = await db.ds.query(
      `SELECT COALESCE(c.state, f.state) AS s FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
         JOIN customer_features f ON f.snapshot_id = $2 AND f.customer_id = cs.customer_id
        WHERE cs.model_version_id = $1 AND cs.rfm_segment = $3 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      [db.model.modelId, db.model.snapshotId, seg.key],
    );
    const id = `${db.model.modelId}:RFM:${seg.key}`;
    const cases: [string, string, unknown[]][] = [
      [`state=${st.s}`, 'cs.rfm_segment = $2 AND COALESCE(c.state, f.state) = $3', [seg.key, st.s]],
      [`churnMin=${q.p30}`, 'cs.rfm_segment = $2 AND cs.churn_probability >= $3', [seg.key, q.p30]],
      [`clvMax=${q.clv50}&churnMin=${q.p30}`, 'cs.rfm_segment = $2 AND cs.clv <= $3 AND cs.churn_probability >= $4', [seg.key, q.clv50, q.p30]],
    ];
    for (const [query, where, params] of cases) {
      const rows: { id: string }[] = await db.ds.query(
        `SELECT c.customer_unique_id AS id FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
           JOIN customer_features f ON f.snapshot_id = ${db.model.snapshotId} AND f.customer_id = cs.customer_id
          WHERE cs.model_version_id = $1 AND ${where} ORDER BY cs.priority_score DESC NULLS LAST, cs.customer_id DESC`,
        [db.model.modelId, ...params],
      );
      expect(rows.length).toBeGreaterThan(0);
      const res = await t.get(`${url(id)}?${query}`, auth);
      const got = parse(await res.text()) as string[][];
      expect({ query, ids: got.slice(1).map((r) => r[0]) }).toEqual({ query, ids: rows.map((r) => r.id) });
    }
    const prefix = (await members('cs.rfm_segment = $2', [seg.key]))[0].slice(0, 3);
    const byPrefix = (parse(await (await t.get(`${url(id)}?idPrefix=${encodeURIComponent(prefix)}`, auth)).text()) as string[][]).slice(1).map((r) => r[0]);
    expect(byPrefix).toEqual((await members('cs.rfm_segment = $2', [seg.key])).filter((m) => m.startsWith(prefix)));
    for (const [query, argument] of [['churnMin=abc', 'churnMin'], ['clvMin=5&clvMax=1', 'clvMin'], ['idPrefix=%20', null]] as const) {
      const res = await t.get(`${url(id)}?${query}`, auth);
      if (argument === null) {
        expect(res.status).toBe(200); // a blank parameter is no condition
        continue;
      }
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT', argument } });
    }
  });

  it('quotes fields that need it and defuses spreadsheet formulas', async () => {
    const [m] = await db.ds.query(
      `SELECT cs.customer_id, c.customer_unique_id AS uid, cs.cluster_id::text AS key FROM customer_segment cs JOIN customer c ON c.id = cs.customer_id
        WHERE cs.model_version_id = $1 ORDER BY cs.customer_id LIMIT 1`,
      [db.model.modelId],
    );
    const city = 'Rio, "Novo"\nBairro';
    const original = await db.ds.query(`SELECT city FROM customer WHERE id = $1`, [m.customer_id]);
    try {
      await db.ds.query(`UPDATE customer SET city = $2 WHERE id = $1`, [m.customer_id, city]);
      let { rows } = await download(`${db.model.modelId}:CLUSTER:${m.key}`);
      expect(rows.find((r) => r[0] === m.uid)![2]).toBe(city);
      await db.ds.query(`UPDATE customer SET city = $2 WHERE id = $1`, [m.customer_id, '=HYPERLINK("http://x")']);
      ({ rows } = await download(`${db.model.modelId}:CLUSTER:${m.key}`));
      expect(rows.find((r) => r[0] === m.uid)![2]).toBe(`'=HYPERLINK("http://x")`);
    } finally {
      await db.ds.query(`UPDATE customer SET city = $2 WHERE id = $1`, [m.customer_id, original[0].city]);
    }
    expect(csvLine([1.5, null, 'a b', ' x', -2, '-2'])).toBe(`1.5,,a b," x",-2,'-2\r\n`);
  });

  it('reads rows in cursor batches (bounded memory), whatever the batch size', async () => {
    const [cl] = await db.ds.query(
      `SELECT cluster_id::text AS key, count(*)::int AS n FROM customer_segment WHERE model_version_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      [db.model.modelId],
    );
    const seg = await resolveExportSegment(db.ds, `${db.model.modelId}:CLUSTER:${cl.key}`);
    const chunks: string[] = [];
    const n = await exportSegmentCsv(db.ds, seg, { write: async (c) => void chunks.push(c) }, { batchSize: 50 });
    expect(n).toBe(cl.n);
    expect(chunks.length).toBe(1 + Math.ceil(cl.n / 50));
    const whole = (await download(`${db.model.modelId}:CLUSTER:${cl.key}`)).rows;
    expect(parse(chunks.join(''))).toEqual(whole);
  });

  it('answers 404 JSON for unknown segments or models, 400 for malformed ids', async () => {
    for (const id of [`${db.model.modelId}:CLUSTER:9999`, `${db.model.modelId}:RFM:No Such Segment`, '99999:CLUSTER:1']) {
      const res = await t.get(url(id), auth);
      expect({ id, status: res.status }).toEqual({ id, status: 404 });
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    for (const id of ['nonsense', `${db.model.modelId}:FOO:1`, 'x:CLUSTER:1', `${db.model.modelId}:CLUSTER:`, "1' OR 1=1 --:CLUSTER:1"]) {
      const res = await t.get(url(id), auth);
      expect({ id, status: res.status }).toEqual({ id, status: 400 });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
    }
    const bad = await t.get('/export/segments/%E0%A4%A.csv', auth);
    expect(bad.status).toBe(400);
  });

  it('requires an API key (401) of a known role; viewers may export', async () => {
    const [cl] = await db.ds.query(`SELECT segment_key AS key FROM segment_profile WHERE model_version_id = $1 AND kind = 'CLUSTER' LIMIT 1`, [db.model.modelId]);
    const path = url(`${db.model.modelId}:CLUSTER:${cl.key}`);
    const none = await t.get(path);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    const wrong = await t.get(path, { authorization: 'Bearer not-a-key' });
    expect(wrong.status).toBe(401);
    for (const role of ['viewer', 'analyst', 'admin'] as const) {
      const res = await t.get(path, { authorization: `Bearer ${keys[role]}` });
      expect({ role, status: res.status }).toEqual({ role, status: 200 });
      await res.text();
    }
  });
});
