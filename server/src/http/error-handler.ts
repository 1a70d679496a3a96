import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, PROBLEM_CONTENT_TYPE, problemOf, type ErrorCode, type FieldError } from './errors.js';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fieldErrorsOf(issues: AjvIssue[], context: string): FieldError[] {
  return issues.map((i) => {
    let field = `/${context}${i.instancePath}`;
    if (i.keyword === 'required' && typeof i.params?.missingProperty === 'string') field += `/${i.params.missingProperty}`;
    if (i.keyword === 'additionalProperties' && typeof i.params?.additionalProperty === 'string') field += `/${i.params.additionalProperty}`;
    return { field, reason: i.message ?? i.keyword, code: i.keyword };
  });
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
