import type { FastifyInstance } from 'fastify';
import { AppError, type FieldError } from './errors.js';

/** Deeper JSON than this is refused before it is parsed (recursive code further on would overflow). */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a JSON text, counted without parsing it (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** Paths of every string (key or value) holding a NUL character, which PostgreSQL text and jsonb cannot store. */
function nulFields(value: unknown, at: string, out: string[]): void {
  // Raw uploads (PDF, images, CSV) are bytes, not text: walking a 20 MB Buffer entry by entry takes minutes.
  if (ArrayBuffer.isView(value)) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push(at);
  } else if (Array.isArray(value)) value.forEach((v, i) => nulFields(v, `${at}/${i}`, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) out.push(at);
      else nulFields(v, `${at}/${k}`, out);
    }
  }
}

type JsonSchema = Record<string, unknown>;

/**
 * Gives every integer in a route schema a range a JavaScript number holds exactly (and a
 * PostgreSQL bigint can store), unless the route set a narrower one: without it
 * `?beforeId=1e20` passes validation and fails in the database.
 */
export function boundIntegers(schema: unknown, seen = new Set<unknown>()): void {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  const s = schema as JsonSchema;
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('integer')) {
    if (typeof s.maximum !== 'number' && typeof s.exclusiveMaximum !== 'number') s.maximum = Number.MAX_SAFE_INTEGER;
    if (typeof s.minimum !== 'number' && typeof s.exclusiveMinimum !== 'number') s.minimum = Number.MIN_SAFE_INTEGER;
  }
  for (const key of ['properties', 'patternProperties', '$defs', 'definitions']) {
    const group = s[key];
    if (group && typeof group === 'object') for (const sub of Object.values(group)) boundIntegers(sub, seen);
  }
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else']) boundIntegers(s[key], seen);
  for (const key of ['anyOf', 'allOf', 'oneOf', 'prefixItems']) if (Array.isArray(s[key])) for (const sub of s[key] as unknown[]) boundIntegers(sub, seen);
}

/**
 * Input no route can use is refused at the door, as a 4xx problem: JSON nested beyond
 * MAX_JSON_DEPTH (400 MALFORMED_REQUEST), NUL characters anywhere in the path, query
 * or body (400 VALIDATION_FAILED naming each field; runs after the access check, so
 * callers without access still learn nothing about their input), and integers beyond
 * ±(2^53 − 1) (every integer schema is bounded when its route is registered).
 */
export function installInputGuards(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema) return;
    for (const part of ['params', 'querystring', 'body', 'headers']) boundIntegers(schema[part]);
  });
  const defaultJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      done(new AppError('MALFORMED_REQUEST', { detail: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` }), undefined);
      return;
    }
    defaultJson(request, text, done);
  });

  app.addHook('preValidation', (request, _reply, done) => {
    const found: string[] = [];
    nulFields(request.params, '/params', found);
    nulFields(request.query, '/querystring', found);
    nulFields(request.body, '/body', found);
    if (found.length === 0) return done();
    const errors: FieldError[] = found.map((field) => ({ field, reason: 'must not contain the NUL character (U+0000)', code: 'nul_character' }));
    done(new AppError('VALIDATION_FAILED', { errors }));
  });
}
