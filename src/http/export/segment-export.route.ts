import type { ServerResponse } from 'node:http';
import type { RouteDefinition } from '../routes';
import { exportFileName, exportFilter, exportSegmentCsv, resolveExportSegment, type CsvSink } from './segment-export.service';

class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection during the export');
    this.name = 'ClientGoneError';
  }
}

/** Writes with backpressure; rejects as soon as the client is gone (so the export stops reading rows). */
function responseSink(res: ServerResponse): CsvSink {
  return {
    write(chunk) {
      if (res.destroyed || res.writableEnded) return Promise.reject(new ClientGoneError());
      if (res.write(chunk)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const done = (gone: boolean) => {
          res.off('drain', onDrain);
          res.off('close', onClose);
          if (gone) reject(new ClientGoneError());
          else resolve();
        };
        const onDrain = () => done(false);
        const onClose = () => done(true);
        res.once('drain', onDrain);
        res.once('close', onClose);
      });
    },
  };
}

/**
 * GET /export/segments/<id>.csv — the customers of a segment as CSV. <id> is a segment id
 * ("3:CLUSTER:2", URL-encoded: 3%3ACLUSTER%3A2) or "active:<KIND>:<key>". Optional query parameters narrow it
 * like customers(filter): state, idPrefix, churnMin, churnMax, clvMin, clvMax. Viewer role.
 */
export const segmentExportRoute: RouteDefinition = {
  method: 'GET',
  pattern: '/export/segments/:id.csv',
  handler: async (req, res, { params, ds, url }) => {
    const filter = exportFilter(url.searchParams);
    const seg = await resolveExportSegment(ds, params.id);
    const name = exportFileName(seg);
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
      'x-segment-size': String(seg.size),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    try {
      await exportSegmentCsv(ds, seg, responseSink(res), { filter });
    } catch (e) {
      if (e instanceof ClientGoneError) return;
      throw e; // headers are sent: the server destroys the connection, so the client sees a truncated download
    }
    res.end();
  },
  role: 'viewer',
};
