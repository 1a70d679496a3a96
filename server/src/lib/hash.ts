import { createHash } from 'node:crypto';

/** SM3 (GB/T 32905) from node's OpenSSL; hex digest. */
export function sm3Hex(data: string | Buffer): string {
  return createHash('sm3').update(data).digest('hex');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
