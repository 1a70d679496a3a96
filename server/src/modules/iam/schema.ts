import type { ColumnType, Generated } from 'kysely';
import type { Role } from './roles.js';

export type UserKind = 'staff' | 'citizen';

export interface UserTable {
  user_id: string;
  kind: UserKind;
  /** Staff sign in with a username; citizens with their resident ID (through person_id). */
  username: string | null;
  person_id: string | null;
  display_name: string;
  /** argon2id; null for a citizen who only ever signs in with SMS codes. */
  password_hash: string | null;
  totp_secret: string | null;
  roles: ColumnType<Role[], Role[], Role[]>;
  service_point_id: string | null;
  /** Region code prefix this staff member may see ('3710' = the whole city). Null for citizens. */
  scope_region: string | null;
  /** Employer agents act for one organisation. */
  org_id: string | null;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  /** Bumped by every administrator's change; a PATCH names the version it read. */
  version: ColumnType<number, number | undefined, number>;
  updated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface SessionTable {
  /** SHA-256 of the cookie token: a leaked table does not leak usable sessions. */
  session_id: string;
  user_id: string;
  channel: string;
  ip: string | null;
  user_agent: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface LoginAttemptTable {
  id: Generated<number>;
  /** Username or resident ID as typed (normalised), or a phone for SMS codes. */
  subject: string;
  ip: string | null;
  success: boolean;
  at: ColumnType<Date, Date | undefined, never>;
}

export interface OtpCodeTable {
  id: Generated<number>;
  person_id: string;
  code_hash: string;
  expires_at: Date;
  used_at: Date | null;
  attempts: ColumnType<number, number | undefined, number>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** Every SMS the platform sent; the development sender only records here and in the log. */
export interface SmsMessageTable {
  id: Generated<number>;
  phone: string;
  text: string;
  sender: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface IamTables {
  users: UserTable;
  sessions: SessionTable;
  login_attempts: LoginAttemptTable;
  otp_codes: OtpCodeTable;
  sms_messages: SmsMessageTable;
}
