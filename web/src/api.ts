/** A thin fetch wrapper for the Tongban API: JSON in, JSON out, problem+json errors. */

export interface FieldError {
  field: string;
  reason: string;
  code?: string;
}

export interface Problem {
  status: number;
  code: string;
  messages: { 'zh-CN': string; en: string };
  errors?: FieldError[];
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.messages.en);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  get code(): string {
    return this.problem.code;
  }
}

const NETWORK: Problem = {
  status: 0,
  code: 'NETWORK',
  messages: { 'zh-CN': '无法连接服务器，请检查网络后重试', en: 'Cannot reach the server; check the connection and try again' },
};

function isProblem(v: unknown): v is Problem {
  if (typeof v !== 'object' || v === null) return false;
  const m = (v as { messages?: unknown }).messages;
  return typeof (v as { code?: unknown }).code === 'string' && typeof m === 'object' && m !== null;
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, extraHeaders?: Record<string, string>): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body instanceof Blob) {
    // Raw upload (archives): the caller names the type and file in extraHeaders.
    if (!headers['content-type']) headers['content-type'] = body.type || 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(NETWORK);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    if (isProblem(data)) throw new ApiError({ ...data, status: res.status });
    throw new ApiError({
      status: res.status,
      code: 'HTTP_' + res.status,
      messages: { 'zh-CN': `请求失败（${res.status}）`, en: `Request failed (${res.status})` },
    });
  }
  return data as T;
}

/** The message of an error in the given language (server problems carry both). */
export function messageOf(err: unknown, lang: string): string {
  const problem = err instanceof ApiError ? err.problem : NETWORK;
  return lang === 'en' ? problem.messages.en : problem.messages['zh-CN'];
}

/** Field name of a problem's field error: '/body/residentId' → 'residentId'. */
export function fieldNameOf(pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? pointer;
}

export interface Me {
  userId: string;
  kind: 'staff' | 'citizen' | string;
  displayName: string;
  roles: string[];
  permissions: string[];
  scopeRegion: string | null;
  servicePointId: string | null;
  personId: string | null;
  /** Employer agents: the organisation they act for (when /api/me reports it). */
  orgId?: string | null;
  channel: string;
}

export interface PersonMasked {
  personId: string;
  residentId: string;
  name: string;
  namePinyin: string;
  birthDate: string;
  sex: string;
  regionCode: string;
  phone: string | null;
  masked: boolean;
}

export interface PersonFull extends PersonMasked {
  address: string | null;
  householdId: string | null;
  householdRelation: string | null;
  idAreaCode: string;
  version: number;
}

export interface RightsSummary {
  insurances: {
    insuranceType: string;
    status: string;
    since: string;
    totalMonths: number;
    paidMonths: number;
    unpaidMonths: number;
    lastMonth: string | null;
  }[];
}

export interface Region {
  code: string;
  name: string;
  level: number;
  parentCode: string | null;
}
