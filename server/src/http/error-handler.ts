import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, PROBLEM_CONTENT_TYPE, problemOf, type ErrorCode, type FieldError } from './errors.js';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

const BOOKKEEPING = new Set(['anyOf', 'oneOf', 'type']);

/**
 * One entry per bad field. A union such as `string | null` makes ajv report every
 * branch that failed plus the union itself ("must be null", "must match a schema in
 * anyOf"); only the specific reasons are kept (or the first, when all are generic).
 */
function fieldErrorsOf(issues: AjvIssue[], context: string): FieldError[] {
  const byField = new Map<string, FieldError[]>();
  for (const i of issues) {
    let field = `/${context}${i.instancePath}`;
    if (i.keyword === 'required' && typeof i.params?.missingProperty === 'string') field += `/${i.params.missingProperty}`;
    if (i.keyword === 'additionalProperties' && typeof i.params?.additionalProperty === 'string') field += `/${i.params.additionalProperty}`;
    const list = byField.get(field) ?? [];
    list.push({ field, reason: i.message ?? i.keyword, code: i.keyword });
    byField.set(field, list);
  }
  const out: FieldError[] = [];
  for (const list of byField.values()) {
    const specific = list.filter((e) => !BOOKKEEPING.has(e.code ?? ''));
    out.push(...(specific.length > 0 ? specific : list.slice(0, 1)));
  }
  return out;
}

/** Every error leaves as problem+json (RFC 9457) with a stable code and both languages. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let code: ErrorCode;
    let errors: FieldError[] | undefined;
    let detail: string | undefined;
    if (error instanceof AppError) {
      code = error.code;
      errors = error.errors;
      detail = error.detail;
    } else if ((error as FastifyError).validation) {
      code = 'VALIDATION_FAILED';
      errors = fieldErrorsOf((error as FastifyError).validation as AjvIssue[], (error as FastifyError).validationContext ?? 'body');
    } else {
      const fe = error as FastifyError;
      const status = fe.statusCode ?? 500;
      code =
        fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'PAYLOAD_TOO_LARGE'
        : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE'
        : status === 429 ? 'RATE_LIMITED'
        : status >= 400 && status < 500 ? 'MALFORMED_REQUEST'
        : 'INTERNAL';
      if (code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error');
      else detail = fe.message;
    }
    const problem = problemOf(code, { detail, errors, instance: request.id });
    return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = problemOf('ROUTE_NOT_FOUND', { instance: request.id, detail: `${request.method} ${request.url.split('?')[0]}` });
    return reply.status(404).type(PROBLEM_CONTENT_TYPE).send(problem);
  });
}
