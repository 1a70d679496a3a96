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
  USERNAME_TAKEN: { status: 409, zh: '该用户名已被使用', en: 'This username is already taken' },
  USER_SELF_LOCKOUT: { status: 403, zh: '不能停用本人账号，也不能取消本人的系统管理员角色', en: 'You cannot disable your own account or remove your own administrator role' },
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
  ITEM_DEFINITION_INVALID: { status: 422, zh: '事项定义不符合目录规范，请按标出的位置修改', en: 'The service item definition is invalid; see the listed paths' },
  ITEM_VERSION_STATE: { status: 409, zh: '该事项版本当前状态不允许此操作', en: 'This item version is not in a state that allows this action' },
  FOUR_EYES_REQUIRED: { status: 403, zh: '审核人不能是起草人本人（双人复核）', en: 'The reviewer must be a different person from the author (four-eyes rule)' },
  CASE_STATE: { status: 409, zh: '办件当前状态不允许此操作', en: 'The case is not in a state that allows this action' },
  RULES_NOT_MET: { status: 422, zh: '申请不符合办理条件，且未经批准的规则例外', en: 'The application does not meet the conditions and no override was approved' },
  OVERRIDE_SECOND_PERSON: { status: 403, zh: '规则例外须由申请人以外的另一人确认', en: 'An override must be confirmed by a second person, not the one who requested it' },
  CHANNEL_NOT_ALLOWED: { status: 422, zh: '该事项不能通过此渠道办理', en: 'This item cannot be applied for on this channel' },
  ALREADY_RATED: { status: 409, zh: '该办件已评价', en: 'This case has already been rated' },
  RATING_NOT_POOR: { status: 422, zh: '只有差评（1–2 星）需要回访', en: 'Only a poor rating (1–2 stars) is followed up' },
  RATING_FOLLOWED_UP: { status: 409, zh: '该差评已回访', en: 'This poor rating has already been followed up' },
  EMPLOYER_EXISTS: { status: 409, zh: '该单位已办理社会保险登记', en: 'This employer is already registered for social insurance' },
  EMPLOYER_CLOSED: { status: 409, zh: '该单位社会保险登记已注销', en: 'This employer’s social insurance registration is closed' },
  EMPLOYMENT_OVERLAP: { status: 409, zh: '该人员在此期间已有单位为其参保，请先办理减员', en: 'The person is already insured by an employer in this period; stop that enrolment first' },
  NOT_ENROLLED: { status: 422, zh: '该人员在所选月份未参保', en: 'The person is not enrolled in that month' },
  BASE_OUT_OF_LIMITS: { status: 422, zh: '缴费基数超出当年上下限', en: 'The contribution base is outside the year’s limits' },
  BILL_NOT_FOUND: { status: 404, zh: '未找到该缴费单', en: 'No such contribution bill' },
  BANK_SIGNATURE_INVALID: { status: 401, zh: '银行回调签名无效', en: 'The bank callback signature is invalid' },
  TRANSFER_NOT_ALLOWED: { status: 409, zh: '当前参保状态不能办理转出', en: 'The insurance cannot be transferred out in its current state' },
  BENEFIT_EXISTS: { status: 409, zh: '该人员已有正在发放的同类待遇', en: 'A benefit of this kind is already running for the person' },
  PAYROLL_NOT_READY: { status: 409, zh: '本月待遇发放尚未计算完成', en: 'The month’s payroll has not been computed yet' },
  PAYROLL_OUT_OF_ORDER: { status: 409, zh: '待遇发放须按月依次进行：上月尚未计算完成，或已发放更晚的月份', en: 'Payroll runs go month by month: the previous month is not finished, or a later month has already been run' },
  TWO_PERSON_RULE: { status: 403, zh: '发放需由计算人以外的另一人复核', en: 'The payroll must be signed off by someone other than the person who ran it' },
  PAYROLL_TOTAL_MISMATCH: { status: 409, zh: '复核金额与计算结果不一致', en: 'The signed-off total differs from the computed total' },
  PARAMETER_NOT_IN_FORCE: { status: 422, zh: '所选日期没有生效的政策参数', en: 'No policy parameter is in force on that date' },
  PAYROLL_FILE_CHANGED: { status: 409, zh: '银行发放文件已被改动或缺失', en: 'A bank disbursement file was changed or is missing' },
  RATE_LIMITED: { status: 429, zh: '请求过于频繁', en: 'Too many requests' },
  UPLOAD_TOO_LARGE: { status: 413, zh: '上传的文件过大（不超过20MB）', en: 'The uploaded file is too large (20 MB at most)' },
  UPLOAD_TYPE_NOT_ALLOWED: { status: 415, zh: '不支持该文件类型，请上传PDF、JPEG或PNG文件', en: 'This file type is not accepted; upload a PDF, JPEG or PNG file' },
  UPLOAD_TYPE_MISMATCH: { status: 422, zh: '文件内容与其扩展名或声明的类型不符', en: 'The file content does not match its extension or declared type' },
  UPLOAD_CORRUPT: { status: 422, zh: '文件已损坏或无法打开', en: 'The file is damaged or cannot be opened' },
  UPLOAD_INFECTED: { status: 422, zh: '文件未通过病毒检查', en: 'The file failed the virus check' },
  ARCHIVE_DISPOSAL_NOT_ALLOWED: { status: 409, zh: '该档案不能销毁（未过保管期限或状态不符）', en: 'This record cannot be disposed of (retention not over, or wrong state)' },
  ARCHIVE_DISPOSAL_SAME_PERSON: { status: 403, zh: '销毁须由提议人以外的另一人批准', en: 'A disposal must be approved by someone other than the proposer' },
  SEAL_KEY_UNKNOWN: { status: 404, zh: '签章密钥不存在', en: 'No such seal key' },
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
