import { Client } from 'pg';
import { sweepOnce } from '../../src/models/jobs/instance';
import { TRAIN_LOCK_KEY } from '../../src/models/training-run.service';
import { createTestDb, type TestDb } from '../helpers/db';

/**
 * The lease on a training run, without a real training: a session holding the training lock stands for the
 * process running it. A live holder with a fresh heartbeat is left alone; a holder whose heartbeat is older
 * than the lease is a stuck process: its run is marked failed and its session terminated (which frees the
 * lock); a run marked running with nobody holding the lock is dead at once.
 */
describe('training lease sweep', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const holder = async () => {
    const c = new Client({ connectionString: db.url });
    c.on('error', () => undefined);
    await c.connect();
    await c.query('SELECT pg_advisory_lock($1)', [TRAIN_LOCK_KEY]);
    return c;
  };
  const running = async (heartbeatAgoS: number) =>
    Number(
      (
        await db.ds.query(
          `INSERT INTO training_run (status, params, started_at, heartbeat_at) VALUES ('running', '{}', now() - interval '1 hour', now() - make_interval(secs => $1)) RETURNING id`,
          [heartbeatAgoS],
        )
      )[0].id,
    );
  const status = async (id: number) => (await db.ds.query(`SELECT status, error FROM training_run WHERE id = $1`, [id]))[0] as { status: string; error: string | null };

  it('leaves a run alone while its holder renews the lease', async () => {
    const c = await holder();
    try {
      const id = await running(2);
      expect(await sweepOnce(db.ds, 10)).toEqual([]);
      expect((await status(id)).status).toBe('running');
      await db.ds.query(`UPDATE training_run SET status = 'failed' WHERE id = $1`, [id]);
    } finally {
      await c.end().catch(() => undefined);
    }
  });

  it('fails a run whose heartbeat is older than the lease and terminates the stuck holder', async () => {
    const c = await holder();
    const id = await running(25);
    expect(await sweepOnce(db.ds, 10)).toEqual([id]);
    const s = await status(id);
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/interrupted: .*no heartbeat for 10 s/);
    // The holder's session is gone, and the lock with it: the next sweep (or training) can take it.
    await expect(c.query('SELECT 1')).rejects.toThrow();
    const [{ held }] = await db.ds.query(`SELECT pg_try_advisory_lock($1) AS held`, [TRAIN_LOCK_KEY]);
    expect(held).toBe(true);
    await db.ds.query(`SELECT pg_advisory_unlock_all()`);
  });

  it('fails a running run at once when nobody holds the lock (its process died)', async () => {
    const id = await running(1);
    expect(await sweepOnce(db.ds, 10)).toEqual([id]);
    expect((await status(id)).error).toMatch(/interrupted/);
  });
});
