import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import type { Db } from '../db/connect.js';
import { maskText } from '../lib/mask.js';
import { installErrorHandling } from './error-handler.js';
import { installAccessControl } from './access.js';
import { installInputGuards } from './input-guard.js';
import { installIdempotency } from './idempotency.js';
import { installMetrics } from './metrics.js';
import { ProblemSchema } from './schemas.js';
import { PROBLEM_CONTENT_TYPE, problemOf } from './errors.js';
import { platformRoutes } from '../modules/platform/routes.js';
import { iamRoutes } from '../modules/iam/routes.js';
import { masterdataRoutes } from '../modules/masterdata/routes.js';
import { importRoutes } from '../modules/masterdata/import-routes.js';
import { auditRoutes } from '../modules/audit/routes.js';
import { rightsRoutes } from '../modules/rights/routes.js';
import { insuranceRoutes } from '../modules/insurance/routes.js';
import { casesRoutes } from '../modules/cases/routes.js';
import { supervisionQueueRoutes } from '../modules/cases/supervision-routes.js';
import { archiveRoutes } from '../modules/archives/routes.js';
import { FsArchiveStore, setDefaultArchiveStore, type ArchiveStore } from '../modules/archives/store.js';
import { sealRoutes } from '../modules/seals/routes.js';
import { configureSeals } from '../modules/seals/master-key.js';
import { documentRoutes } from '../modules/documents/routes.js';
import { catalogueRoutes } from '../modules/catalogue/routes.js';
import { policyRoutes } from '../modules/policy/routes.js';
import type { SmsSender } from '../modules/iam/sms.js';
import { LogSmsSender } from '../modules/iam/sms.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    config: Config;
    sms: SmsSender;
    archiveStore: ArchiveStore;
  }
}

export type App = FastifyInstance;

export interface AppOptions {
  db: Db;
  config: Config;
  /** Folder of the built web app; served at / when it exists. */
  webDist?: string;
  logger?: FastifyServerOptions['logger'];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WEB_DIST = path.resolve(here, '../../../web/dist');

export async function buildApp(opts: AppOptions): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? {
      level: opts.config.logLevel,
      // Resident IDs and phones never reach the log in clear: URLs are masked and
      // bodies are not logged at all.
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: maskText(req.url), ip: req.ip }),
      },
      redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'], remove: true },
    },
    trustProxy: true,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    genReqId: () => crypto.randomUUID(),
    // A URL the router cannot even decode (bad percent-encoding) is still answered as a problem.
    frameworkErrors: (error, request, reply) => {
      const problem = problemOf('MALFORMED_REQUEST', { detail: error.message, instance: request.id });
      return (reply as unknown as FastifyReply).status(400).type(PROBLEM_CONTENT_TYPE).send(problem);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('db', opts.db);
  app.decorate('config', opts.config);
  app.decorate('sms', new LogSmsSender(opts.db, app.log));
  // Archived bytes under <dataDir>/archives; seal keys encrypted under <dataDir>/master.key unless TONGBAN_MASTER_KEY is set.
  const archiveStore = FsArchiveStore.forDataDir(opts.config.dataDir);
  app.decorate('archiveStore', archiveStore);
  setDefaultArchiveStore(archiveStore);
  configureSeals({ dataDir: opts.config.dataDir });

  installErrorHandling(app);
  app.addSchema(ProblemSchema);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tongban (通办) API',
        version: '0.1.0',
        description:
          'One API for every channel: counters, kiosks, web, mobile and partner apps. Errors are RFC 9457 problem+json with a stable code and zh-CN/en messages. Mutating requests accept an Idempotency-Key header.',
      },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'tb_session' } },
      },
      security: [{ session: [] }],
    },
    transform: ({ schema, url, route }) => {
      const access = route.config?.access;
      const out = { ...(schema as Record<string, unknown>) } as Record<string, unknown>;
      if (access) out['x-access'] = access;
      return { schema: out as never, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  installAccessControl(app);
  installInputGuards(app);
  installIdempotency(app);
  installMetrics(app);

  await app.register(platformRoutes);
  await app.register(iamRoutes);
  await app.register(masterdataRoutes);
  await app.register(importRoutes);
  await app.register(auditRoutes);
  await app.register(rightsRoutes);
  await app.register(insuranceRoutes);
  await app.register(casesRoutes);
  await app.register(supervisionQueueRoutes);
  await app.register(archiveRoutes);
  await app.register(sealRoutes);
  await app.register(documentRoutes);
  await app.register(catalogueRoutes);
  await app.register(policyRoutes);

  const webDist = opts.webDist ?? DEFAULT_WEB_DIST;
  if (fs.existsSync(path.join(webDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: ['index.html'] });
    // Client-side routes (/search, /login …) get the app shell.
    app.get('/*', { config: { access: 'public' }, schema: { hide: true } }, (req, reply) => {
      if (req.url.startsWith('/api/')) {
        return reply.callNotFound();
      }
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    });
  }
  return app as unknown as App;
}
