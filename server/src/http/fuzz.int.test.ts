import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ERRORS } from './errors.js';
import { ROLE_PERMISSIONS } from '../modules/iam/roles.js';
import { cookieFrom, PASSWORD, setupTestApp, type TestContext } from '../test/fixtures.js';

/**
 * Fuzzes every operation in /openapi.json (so routes added later are covered without
 * touching this file): inputs derived from each operation's schemas, mutated with wrong
 * types, missing and extra fields, huge and odd strings, boundary numbers, injection
 * text, malformed bodies and wrong content types; sent anonymously, as an administrator
 * as a teller, an auditor and a citizen. No answer may be a 5xx, and every 4xx must be problem+json with a
 * code from the catalogue.
 */

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
};
interface Param {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  method: string;
  path: string;
  access: string | undefined;
  params: Param[];
  body: Schema | null;
}

const SEED = 20_261_127;
const RUNS_PER_OPERATION = 60;

let t: TestContext;
let ops: Operation[];
type Who = 'anonymous' | 'admin' | 'teller.hc' | 'auditor' | 'citizen';
const sessions = new Map<Who, string>();
let samples: Record<string, unknown[]> = {};

async function signIn(who: Who): Promise<string> {
  const res =
    who === 'citizen'
      ? await t.app.inject({ method: 'POST', url: '/api/auth/citizen/login', payload: { residentId: t.city.persons.li!.residentId, password: PASSWORD } })
      : await t.app.inject({ method: 'POST', url: '/api/auth/staff/login', payload: { username: who, password: PASSWORD } });
  return cookieFrom(res);
}

before(async () => {
  t = await setupTestApp();
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  ops = [];
  for (const [path, methods] of Object.entries<Record<string, { 'x-access'?: string; parameters?: Param[]; requestBody?: { content?: Record<string, { schema: Schema }> } }>>(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase(), path, access: op['x-access'], params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema ?? null });
    }
  }
  for (const who of ['admin', 'teller.hc', 'auditor', 'citizen'] as const) sessions.set(who, await signIn(who));
  const p = t.city.persons;
  // Domain-valid values for well-known names, so the fuzzer also reaches past validation.
  samples = {
    personId: [p.zhang!.personId, p.wang!.personId, p.li!.personId],
    residentId: [p.zhang!.residentId, p.wang!.residentId.toLowerCase(), ` ${p.li!.residentId} `, p.zhang!.residentId.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), '37100219850312123'],
    regionCode: ['371002001', '371003001', '371002', '3710', '999999999'],
    region: ['371002', '3710'],
    parent: ['371000', '371002'],
    name: ['张伟', '欧阳娜娜', 'Zhang Wei', '买买提·艾力'],
    q: ['张', 'zhangwei', 'zw', '13806301234', p.zhang!.residentId],
    phone: ['13806301234', '+86 138 0630 1234', '0631-5201234'],
    asOf: ['2025-06-30', '2099-12-31', '1900-01-01', '2025-02-31', '2025-13-01'],
    creditCode: ['91371000MA3C8N2K1X', '91110000600037341L', '9137100'],
    username: ['teller.wd', 'nobody'],
    password: [PASSWORD, 'wrong'],
    code: ['123456', '000000'],
    reason: ['核对身份', 'x'],
    decision: ['same_person', 'different_persons'],
    version: [1, 2],
    id: [1, 2, 3],
  };
});
after(async () => t?.close());

// ---- hostile values ----

const HUGE = 'A'.repeat(100 * 1024);
const NASTY_STRINGS = [
  '',
  ' ',
  HUGE,
  '🙂'.repeat(2000),
  '👨‍👩‍👧‍👦🏳️‍🌈',
  'مرحبا بالعالم',
  '\u202Egnp.exe',
  '\u0000',
  'a\u0000b',
  '１２３４５６７８９０',
  'ＳＥＬＥＣＴ',
  '\uD800',
  '\uDFFFx\uD83D',
  "' OR 1=1 --",
  "'; drop table persons; --",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../etc/passwd',
  '%00',
  '%',
  '\\',
  '${7*7}{{7*7}}',
  '-1',
  '0',
  '9007199254740992',
  '99999999999999999999999',
  'NaN',
  'Infinity',
  '1e309',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '2025-02-30',
  '0000-00-00',
  '\r\nX-Injected: 1',
  '\t\n\v\f\r',
];
const NASTY_NUMBERS = [-1, 0, 1, -0, 0.5, 2 ** 31, 2 ** 31 - 1, 2 ** 53, -(2 ** 53), 2 ** 63, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE];
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { $gt: '' }, { __proto__: { admin: true } }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

// ---- values derived from a schema ----

function typesOf(s: Schema): string[] {
  return s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
}

function fromSchema(s: Schema, name: string, depth = 0): fc.Arbitrary<unknown> {
  const known = samples[name];
  const options: fc.Arbitrary<unknown>[] = [];
  if (known?.length) options.push(fc.constantFrom(...known));
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) options.push(fc.oneof(...alternatives.map((a) => fromSchema(a, name, depth + 1))));
  if (s.enum?.length) options.push(fc.constantFrom(...s.enum));
  if (s.const !== undefined) options.push(fc.constant(s.const));
  for (const type of typesOf(s)) {
    if (type === 'string') {
      const max = Math.min(s.maxLength ?? 30, 60);
      const min = Math.min(s.minLength ?? 0, max);
      if (s.format === 'uuid') options.push(fc.uuid());
      else if (s.format === 'date' || s.pattern?.includes('[0-9]{4}')) options.push(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)));
      else options.push(fc.string({ minLength: min, maxLength: max }), fc.string({ unit: 'grapheme', minLength: min, maxLength: max }));
      options.push(fc.constantFrom('x'.repeat(max + 1), 'x'.repeat(Math.max(0, min - 1))));
    } else if (type === 'integer' || type === 'number') {
      const lo = s.minimum ?? -1000;
      const hi = s.maximum ?? 1_000_000;
      options.push(type === 'integer' ? fc.integer({ min: lo, max: hi }) : fc.double({ min: lo, max: hi, noNaN: true }));
      // Boundaries of the schema, and of the database's integer types (int4, int8, beyond).
      options.push(fc.constantFrom(lo - 1, lo, hi, hi + 1), fc.constantFrom(2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 63, 1e20, -(2 ** 63)), fc.constantFrom(2 ** 31, 2 ** 63, 1e20));
    } else if (type === 'boolean') options.push(fc.boolean());
    else if (type === 'null') options.push(fc.constant(null));
    else if (type === 'array') options.push(fc.array(s.items && depth < 4 ? fromSchema(s.items, name, depth + 1) : nasty, { maxLength: 3 }));
    else if (type === 'object') options.push(objectFromSchema(s, depth));
  }
  if (options.length === 0) options.push(nasty);
  return fc.oneof(...options);
}

function objectFromSchema(s: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(s.properties ?? {});
  if (depth > 4 || props.length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), nasty, { maxKeys: 3 });
  const shape = Object.fromEntries(props.map(([k, v]) => [k, fromSchema(v, k, depth + 1)]));
  return fc.record(shape, { requiredKeys: s.required?.filter((k) => k in shape) ?? [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** A schema-shaped object with a few hostile edits: fields replaced, dropped or added. */
function mutatedObject(s: Schema): fc.Arbitrary<unknown> {
  const keys = [...Object.keys(s.properties ?? {}), 'extraField', '__proto__', 'constructor'];
  const edit = fc.record({ op: fc.constantFrom('set', 'delete', 'add'), key: fc.constantFrom(...keys), value: nasty });
  return fc.tuple(objectFromSchema(s, 0), fc.array(edit, { maxLength: 3 })).map(([base, edits]) => {
    const out: Record<string, unknown> = { ...base };
    for (const e of edits) {
      if (e.op === 'delete') delete out[e.key];
      else Object.defineProperty(out, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  });
}

// ---- whole requests ----

/** Path and query pieces: JSON values as text, and raw (already encoded, possibly broken) pieces. */
type UrlPiece = { text: string } | { raw: string };
const RAW_PIECES = ['%ED%A0%80', '%FF%FE', '%00', '%', '%zz', '..%2F..%2F', '%E2%80%AE', 'a%2Fb', ''];

function pieceArb(schema: Schema, name: string): fc.Arbitrary<UrlPiece> {
  const asText = (v: unknown) => ({ text: typeof v === 'string' ? v : JSON.stringify(v) ?? '' });
  return fc.oneof(
    { weight: 4, arbitrary: fromSchema(schema, name).map(asText) },
    { weight: 3, arbitrary: nasty.map(asText) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_PIECES).map((raw) => ({ raw })) },
  );
}

function encodePiece(p: UrlPiece): string {
  if ('raw' in p) return p.raw;
  // encodeURIComponent refuses lone surrogates; those go as the bytes a careless client would send.
  return p.text.replace(/[\s\S]/gu, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      return '%ED%A0%80';
    }
  });
}

type BodyCase =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; contentType: string | null; payload: string };

const MALFORMED = ['{', '{"a":', '{"a" 1}', "{'a': 1}", '[1,]', 'undefined', 'NaN', '\u0000', '{"a":"\\ud800"}', '{"a":1}{"b":2}', '\uFEFF{}', '0'.repeat(5000), '['.repeat(10_000) + ']'.repeat(10_000), `{"a":"${HUGE}"}`];
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/octet-stream', '*/*', 'application/problem+json', 'application/json, text/plain'];

function bodyArb(op: Operation): fc.Arbitrary<BodyCase | null> {
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method)) return fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant({ kind: 'raw', contentType: 'application/json', payload: '{"a":1}' } as const) });
  const schema = op.body ?? {};
  const json = (value: unknown): BodyCase => ({ kind: 'json', value });
  return fc.oneof(
    { weight: 5, arbitrary: (op.body ? mutatedObject(schema) : nasty).map(json) },
    { weight: 2, arbitrary: (op.body ? objectFromSchema(schema, 0) : fc.constant({})).map(json) },
    { weight: 2, arbitrary: nasty.map(json) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED).map((payload): BodyCase => ({ kind: 'raw', contentType: 'application/json', payload })) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom<string | null>(null, ...CONTENT_TYPES), fc.oneof(fc.constantFrom('a=1&b=2', '<x/>', '{"residentId":"1"}', ''), fc.string({ maxLength: 50 }))).map(
        ([contentType, payload]): BodyCase => ({ kind: 'raw', contentType, payload }),
      ),
    },
  );
}

interface Request {
  who: Who;
  path: Record<string, UrlPiece>;
  query: [string, UrlPiece][];
  body: BodyCase | null;
  idempotencyKey: string | null;
}

/** Who may call an operation, from its x-access; the fuzzer mostly sends as them, to get past the access check. */
function callersOf(access: string | undefined): Who[] {
  const perms: Record<Exclude<Who, 'anonymous'>, readonly string[]> = {
    admin: ROLE_PERMISSIONS.administrator,
    'teller.hc': ROLE_PERMISSIONS.teller,
    auditor: ROLE_PERMISSIONS.auditor,
    citizen: ROLE_PERMISSIONS.citizen,
  };
  if (!access || access === 'public') return ['anonymous', 'admin', 'citizen'];
  if (access === 'authenticated') return ['admin', 'teller.hc', 'auditor', 'citizen'];
  const allowed = (Object.keys(perms) as Exclude<Who, 'anonymous'>[]).filter((w) => perms[w].includes(access));
  return allowed.length ? allowed : ['admin'];
}

function requestArb(op: Operation): fc.Arbitrary<Request> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const path = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pieceArb(p.schema, p.name)])));
  // Each documented parameter present or not (required ones usually present), plus stray, repeated or odd ones.
  const documented = fc.tuple(
    ...queryParams.map((p) => fc.option(pieceArb(p.schema, p.name).map((v): [string, UrlPiece] => [p.name, v]), { freq: p.required ? 8 : 2 })),
  );
  const stray = fc.array(
    fc.tuple(fc.constantFrom('extra', '__proto__', 'q[]', 'a.b', '', ...queryParams.map((p) => p.name)), pieceArb({}, 'extra')),
    { maxLength: 2 },
  );
  const query = fc.tuple(documented, stray).map(([d, more]) => [...d.filter((e): e is [string, UrlPiece] => e !== null), ...more]);
  const callers = callersOf(op.access);
  return fc.record({
    who: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...callers) }, { weight: 1, arbitrary: fc.constantFrom<Who>('anonymous', 'admin', 'teller.hc', 'auditor', 'citizen') }),
    path,
    query,
    body: bodyArb(op),
    idempotencyKey: fc.option(fc.oneof(fc.string({ unit: fc.constantFrom(...'abcXYZ019-_:.'.split('')), minLength: 1, maxLength: 40 }), fc.constantFrom('k'.repeat(201), 'same-key', ' ')), { freq: 3 }),
  });
}

function toInject(op: Operation, r: Request, cookie: string | undefined): InjectOptions {
  let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodePiece(r.path[name] ?? { text: '' }));
  if (r.query.length) url += '?' + r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodePiece(v)}`).join('&');
  const headers: Record<string, string> = { 'x-forwarded-for': '10.9.9.9' };
  if (cookie) headers.cookie = cookie;
  if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey;
  const opts: InjectOptions = { method: op.method as 'GET', url, headers };
  if (r.body?.kind === 'json') {
    headers['content-type'] = 'application/json';
    opts.payload = JSON.stringify(r.body.value) ?? 'null';
  } else if (r.body?.kind === 'raw') {
    if (r.body.contentType) headers['content-type'] = r.body.contentType;
    opts.payload = r.body.payload;
  }
  return opts;
}

const KNOWN_CODES = new Set(Object.keys(ERRORS));

function checkResponse(res: LightMyRequestResponse, what: string): void {
  assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body.slice(0, 500)}`);
  if (res.statusCode >= 400) {
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${what} → ${res.statusCode} with ${res.headers['content-type']}`);
    const problem = JSON.parse(res.body);
    assert.ok(KNOWN_CODES.has(problem.code), `${what} → unknown code ${problem.code}`);
    assert.equal(problem.status, res.statusCode, what);
    assert.equal(ERRORS[problem.code as keyof typeof ERRORS].status, res.statusCode, `${what}: ${problem.code}`);
    assert.ok(!/at .*\.ts:\d+|node_modules|SELECT |syntax error/i.test(res.body), `${what}: internals leak: ${res.body.slice(0, 300)}`);
  }
}

async function send(op: Operation, r: Request): Promise<LightMyRequestResponse> {
  if (r.who !== 'anonymous' && !sessions.has(r.who)) sessions.set(r.who, await signIn(r.who));
  const opts = toInject(op, r, r.who === 'anonymous' ? undefined : sessions.get(r.who));
  const res = await t.app.inject(opts);
  // The fuzzer may sign its own session out: sign in again for the next request.
  if (String(res.headers['set-cookie'] ?? '').includes('tb_session=;')) sessions.delete(r.who);
  return res;
}

function describe(op: Operation, r: Request): string {
  const opts = toInject(op, r, undefined);
  const payload = typeof opts.payload === 'string' ? opts.payload : '';
  return `${r.who} ${op.method} ${opts.url?.toString().slice(0, 300)} ${JSON.stringify(opts.headers)} body=${payload.slice(0, 200)}${payload.length > 200 ? `…(${payload.length})` : ''}`;
}

test('the fuzzer reads the operations from /openapi.json', () => {
  assert.ok(ops.length >= 20, `${ops.length} operations`);
  assert.ok(ops.some((o) => o.method === 'POST' && o.path === '/api/persons' && o.body?.properties?.residentId));
  assert.ok(ops.some((o) => o.path === '/api/persons/{personId}' && o.params.some((p) => p.in === 'path' && p.name === 'personId')));
});

test('every operation answers hostile input without a 5xx, with problem+json from the catalogue', { timeout: 300_000 }, async (ctx) => {
  for (const op of ops) {
    await ctx.test(`${op.method} ${op.path}`, async () => {
      await fc.assert(
        fc.asyncProperty(requestArb(op), async (r) => {
          checkResponse(await send(op, r), describe(op, r));
        }),
        { seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
    });
  }
});

test('every operation with a body refuses malformed JSON, wrong content types and oversized bodies cleanly', { timeout: 300_000 }, async () => {
  for (const op of ops.filter((o) => ['POST', 'PUT', 'PATCH'].includes(o.method))) {
    const path = Object.fromEntries(op.params.filter((p) => p.in === 'path').map((p) => [p.name, { text: String(samples[p.name]?.[0] ?? '1') }]));
    const bodies: BodyCase[] = [
      ...MALFORMED.map((payload): BodyCase => ({ kind: 'raw', contentType: 'application/json', payload })),
      ...CONTENT_TYPES.map((contentType): BodyCase => ({ kind: 'raw', contentType, payload: '{"a":1}' })),
      { kind: 'raw', contentType: 'application/json', payload: `{"x":"${'A'.repeat(1024 * 1024 + 10)}"}` },
      { kind: 'raw', contentType: null, payload: '' },
    ];
    for (const who of ['admin', 'teller.hc'] as const) {
      for (const body of bodies) {
        const r: Request = { who, path, query: [], body, idempotencyKey: null };
        const res = await send(op, r);
        checkResponse(res, describe(op, r));
        // A body that could not be read is refused as such — never processed.
        if (op.body && res.statusCode < 400) assert.fail(`${describe(op, r)} was accepted with ${res.statusCode}`);
      }
    }
  }
});
