/**
 * The one catalogue of API error codes. Every error a client can see has a stable
 * code, an HTTP status and a message in Chinese and English; docs/ERRORS.md is
 * generated from this table (and a test checks it is current).
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, zh: '请求参数有误，请检查标出的字段', en: 'The request has invalid fields' },
  MALFORMED_REQUEST: { status: 400, zh: '请求格式有误', en: 'The request could not be read' },
  UNAUTHENTICATED: { status: 401, zh: '请先登录', en: 'Please sign in first' },
  LOGIN_FAILED: { status: 401, zh: '账号或密码错误', en: 'Wrong account or password' },
  TOTP_REQUIRED: { status: 401, zh: '请输入动态口令', en: 'Enter the code from your authenticator app' },
  OTP_INVALID: { status: 401, zh: '验证码错误或已过期', en: 'The code is wrong or has expired' },
  LOGIN_THROTTLED: { status: 429, zh: '尝试次数过多，请稍后再试', en: 'Too many attempts, please try again later' },
  FORBIDDEN: { status: 403, zh: '您没有执行此操作的权限', en: 'You are not allowed to do this' },
  NOT_FOUND: { status: 404, zh: '未找到所请求的内容', en: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such endpoint' },
  METHOD_NOT_ALLOWED: { status: 405, zh: '不支持该请求方法', en: 'Method not allowed' },
  PAYLOAD_TOO_LARGE: { status: 413, zh: '提交的内容过大', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  CONFLICT: { status: 409, zh: '数据已被他人修改，请刷新后重试', en: 'The data was changed by someone else; reload and try again' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, zh: '幂等键已用于不同的请求内容', en: 'This Idempotency-Key was already used with a different request' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, zh: '相同请求正在处理中，请稍后重试', en: 'A request with this Idempotency-Key is still being processed' },
  INVALID_RESIDENT_ID: { status: 422, zh: '居民身份证号码无效', en: 'Invalid resident ID number' },
  INVALID_CREDIT_CODE: { status: 422, zh: '统一社会信用代码无效', en: 'Invalid unified social credit code' },
  PERSON_EXISTS: { status: 409, zh: '该居民身份证号码已登记', en: 'A person with this resident ID is already registered' },
  ORGANISATION_EXISTS: { status: 409, zh: '该统一社会信用代码已登记', en: 'An organisation with this credit code is already registered' },
  OUT_OF_SCOPE: { status: 403, zh: '该数据不在您的管辖范围内', en: 'This record is outside your region' },
  RATE_LIMITED: { status: 429, zh: '请求过于频繁', en: 'Too many requests' },
  SERVICE_UNAVAILABLE: { status: 503, zh: '服务暂时不可用', en: 'Service temporarily unavailable' },
  INTERNAL: { status: 500, zh: '系统内部错误，请稍后再试', en: 'Internal error, please try again later' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldError {
  /** JSON pointer-ish path of the bad field, e.g. `/body/residentId`. */
  field: string;
  reason: string;
  /** A stable machine reason where there is one (e.g. `check_digit`). */
  code?: string;
}

/** An error a route throws on purpose; rendered as problem+json by the error handler. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, opts: { detail?: string; errors?: FieldError[]; cause?: unknown } = {}) {
    super(ERRORS[code].en, { cause: opts.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.errors = opts.errors;
    this.detail = opts.detail;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  /** Both languages, always: the UI chooses, and a log reader sees both. */
  messages: { 'zh-CN': string; en: string };
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemOf(code: ErrorCode, opts: { detail?: string | undefined; errors?: FieldError[] | undefined; instance?: string | undefined } = {}): Problem {
  const e = ERRORS[code];
  const problem: Problem = {
    type: `urn:tongban:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: e.en,
    status: e.status,
    code,
    messages: { 'zh-CN': e.zh, en: e.en },
  };
  if (opts.detail) problem.detail = opts.detail;
  if (opts.instance) problem.instance = opts.instance;
  if (opts.errors?.length) problem.errors = opts.errors;
  return problem;
}
