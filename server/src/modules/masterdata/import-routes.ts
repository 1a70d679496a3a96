import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { responses } from '../../http/schemas.js';
import { AppError } from '../../http/errors.js';
import { uuid7 } from '../../lib/uuid7.js';
import { importPersonsFile } from './import.js';

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** An upload is a town's worth of records at most; a city-wide load goes through the CLI. */
const UPLOAD_LIMIT = 20 * 1024 * 1024;

const ImportResultSchema = Type.Object({
  batchId: Type.String(),
  file: Type.String(),
  format: Type.String(),
  total: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  queued: Type.Integer(),
  keptByProvenance: Type.Integer(),
  /** Where the rejected rows (row, field, reason) can be downloaded; null when none were rejected. */
  reportUrl: Type.Union([Type.String(), Type.Null()]),
});

/** Uploads and their reports live under the data folder, never under a name the client chose. */
function uploadsDir(dataDir: string): string {
  const dir = path.join(dataDir, 'imports');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function importRoutes(app: FastifyInstance): Promise<void> {
  app.addContentTypeParser(CSV, { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(XLSX, { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT }, (_req, body, done) => done(null, body));

  app.post(
    '/api/imports/persons',
    {
      config: { access: 'person.import' },
      bodyLimit: UPLOAD_LIMIT,
      schema: {
        tags: ['master data'],
        summary: 'Import persons from a CSV (text/csv) or XLSX body: good rows are kept, each bad row is reported with its row, field and reason, suspected duplicates go to review',
        querystring: Type.Object({ fileName: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
        response: responses({ 200: ImportResultSchema }),
      },
    },
    async (request) => {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== CSV && type !== XLSX) throw new AppError('UNSUPPORTED_MEDIA_TYPE', { detail: `send ${CSV} or ${XLSX}` });
      const body = request.body as Buffer;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body', reason: 'the file is empty / 文件为空', code: 'empty' }] });
      const uploadId = uuid7();
      const dir = uploadsDir(app.config.dataDir);
      const file = path.join(dir, `${uploadId}${type === XLSX ? '.xlsx' : '.csv'}`);
      const reportPath = path.join(dir, `${uploadId}.rejected.csv`);
      fs.writeFileSync(file, body);
      const { fileName } = request.query as { fileName?: string };
      try {
        const result = await importPersonsFile(app.db, file, { reportPath, actor: request.actor, fileName: fileName ?? `upload-${uploadId}` });
        return { ...result, reportUrl: result.rejected > 0 ? `/api/imports/reports/${uploadId}` : null };
      } catch (e) {
        // A file the importer cannot read (no header, wrong columns, broken workbook) is the client's error.
        throw new AppError('VALIDATION_FAILED', { errors: [{ field: '/body', reason: (e as Error).message, code: 'unreadable' }] });
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
  );

  app.get(
    '/api/imports/reports/:uploadId',
    {
      config: { access: 'person.import' },
      schema: {
        tags: ['master data'],
        summary: 'Download the rejected rows of an upload (CSV: row, field, reason; IDs masked)',
        params: Type.Object({ uploadId: Type.String({ format: 'uuid' }) }),
        response: responses({ 200: Type.String() }),
      },
    },
    async (request, reply) => {
      const { uploadId } = request.params as { uploadId: string };
      const report = path.join(uploadsDir(app.config.dataDir), `${uploadId}.rejected.csv`);
      if (!fs.existsSync(report)) throw new AppError('NOT_FOUND');
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="rejected-${uploadId}.csv"`).send(fs.readFileSync(report));
    },
  );
}
