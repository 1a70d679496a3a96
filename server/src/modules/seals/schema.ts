import type { ColumnType } from 'kysely';

export const SEAL_ALGORITHMS = ['SM2-SM3', 'Ed25519'] as const;
export type SealAlgorithm = (typeof SEAL_ALGORITHMS)[number];

/** What a key signs. One active key per purpose and algorithm; older ones stay for verification. */
export const KEY_PURPOSES = ['department_seal', 'submission_seal', 'audit_checkpoint', 'archive_seal'] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export type KeyStatus = 'active' | 'rotated' | 'revoked';

/** A signing key (电子印章密钥). The private key is stored only encrypted under the master key. */
export interface SealKeyTable {
  key_id: string;
  algorithm: SealAlgorithm;
  purpose: KeyPurpose;
  owner_department: string;
  public_key_pem: string;
  /** SM2: uncompressed point 04‖x‖y; Ed25519: the 32-byte key. */
  public_key_hex: string;
  private_key_enc: string;
  status: KeyStatus;
  valid_from: Date;
  /** Signatures made at or after this instant are refused (may lie before the revocation was recorded). */
  revoked_at: Date | null;
  revocation_reason: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** A signed statement "the audit chain had this head": cutting entries off the end shows. */
export interface AuditCheckpointTable {
  head_seq: number;
  head_hash: string;
  signed_at: Date;
  key_id: string;
  /** base64 */
  signature: string;
}

export interface SealTables {
  seal_keys: SealKeyTable;
  audit_checkpoints: AuditCheckpointTable;
}
