import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { PDFDocument } from 'pdf-lib';
import { PNG } from 'pngjs';
import { AppError } from '../../http/errors.js';

/** An upload is one scanned material: 20 MB holds a long multi-page scan at 300 dpi. */
export const UPLOAD_LIMIT = 20 * 1024 * 1024;
/** What a citizen or a counter may upload. OFD (GB/T 33190) would join once a parser is at hand. */
export const UPLOAD_TYPES = { 'application/pdf': ['pdf'], 'image/jpeg': ['jpg', 'jpeg'], 'image/png': ['png'] } as const;
export type UploadType = keyof typeof UPLOAD_TYPES;
/** Internal records (form snapshots, seals) are JSON written by the platform itself. */
export const INTERNAL_TYPES = ['application/json'] as const;
/** Decoded images larger than this are refused (a decompression bomb looks small on the wire). */
const MAX_PIXELS = 80_000_000;

/** The EICAR anti-virus test file: stands in here for a virus scanner's signature list. */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
export function containsVirusSignature(bytes: Uint8Array): string | null {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(EICAR, 0, 'latin1') ? 'EICAR-Test-File' : null;
}

export interface Inspected {
  mediaType: string;
  width?: number;
  height?: number;
  pages?: number;
}

/** JPEG: walk the markers to the first SOFn segment (ITU-T T.81 B.2.2) for the dimensions. */
export function jpegDimensions(b: Uint8Array): { width: number; height: number } {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error('no JPEG start-of-image marker');
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw new Error(`expected a marker at byte ${i}`);
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2 || i + 2 + len > b.length) throw new Error('a JPEG segment runs past the end of the file');
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      const height = (b[i + 5]! << 8) | b[i + 6]!;
      const width = (b[i + 7]! << 8) | b[i + 8]!;
      if (!width || !height) throw new Error('JPEG frame with zero size');
      return { width, height };
    }
    i += 2 + len;
  }
  throw new Error('no JPEG frame header (SOF) found');
}

/**
 * Parses the bytes as their media type (usability, 可用性): a PDF must load and have
 * pages; an image must decode its header and (PNG) its data. Throws with the reason.
 */
export async function parseAs(mediaType: string, bytes: Uint8Array): Promise<Inspected> {
  switch (mediaType) {
    case 'application/pdf': {
      const doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true });
      const pages = doc.getPageCount();
      if (pages < 1) throw new Error('the PDF has no pages');
      return { mediaType, pages };
    }
    case 'image/png': {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (png.width * png.height > MAX_PIXELS) throw new Error('image too large when decoded');
      return { mediaType, width: png.width, height: png.height };
    }
    case 'image/jpeg': {
      const d = jpegDimensions(bytes);
      if (d.width * d.height > MAX_PIXELS) throw new Error('image too large when decoded');
      if (!(bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9)) throw new Error('the JPEG is truncated (no end-of-image marker)');
      return { mediaType, ...d };
    }
    case 'application/json':
      JSON.parse(Buffer.from(bytes).toString('utf8'));
      return { mediaType };
    default:
      throw new Error(`no parser for ${mediaType}`);
  }
}

/** A client's file name, kept as metadata only: no folders, no control characters, bounded. */
export function sanitiseFilename(raw: string | undefined | null): string | null {
  if (!raw) return null;
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // keep the raw text: it is only metadata
  }
  name = name.normalize('NFC').split(/[\\/]/).pop()!;
  name = name.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (name === '.' || name === '..') name = '';
  name = name.slice(0, 200);
  return name || null;
}

/**
 * Upload safety: the size, the type detected from the content (never from the name or
 * the declared Content-Type, which must however agree with it), a full parse, and a
 * virus signature scan. Throws a problem the client can act on.
 */
export async function inspectUpload(bytes: Uint8Array, claimed: { contentType?: string | undefined; filename?: string | null | undefined }): Promise<Inspected> {
  if (bytes.length === 0) throw new AppError('UPLOAD_CORRUPT', { detail: 'the file is empty' });
  if (bytes.length > UPLOAD_LIMIT) throw new AppError('UPLOAD_TOO_LARGE', { detail: `${bytes.length} bytes; the limit is ${UPLOAD_LIMIT}` });
  const detected = await fileTypeFromBuffer(bytes);
  if (!detected || !(detected.mime in UPLOAD_TYPES)) {
    throw new AppError('UPLOAD_TYPE_NOT_ALLOWED', { detail: `the content is ${detected ? `${detected.mime} (.${detected.ext})` : 'of an unknown type'}; allowed: PDF, JPEG, PNG` });
  }
  const mediaType = detected.mime as UploadType;
  const declared = claimed.contentType?.split(';')[0]!.trim().toLowerCase();
  if (declared && declared !== 'application/octet-stream' && declared !== mediaType && !(declared === 'image/jpg' && mediaType === 'image/jpeg')) {
    throw new AppError('UPLOAD_TYPE_MISMATCH', { detail: `declared ${declared}, but the content is ${mediaType}` });
  }
  if (claimed.filename) {
    const ext = path.extname(claimed.filename).slice(1).toLowerCase();
    if (ext && !(UPLOAD_TYPES[mediaType] as readonly string[]).includes(ext)) {
      throw new AppError('UPLOAD_TYPE_MISMATCH', { detail: `the name ends in .${ext}, but the content is ${mediaType}` });
    }
  }
  const virus = containsVirusSignature(bytes);
  if (virus) throw new AppError('UPLOAD_INFECTED', { detail: `signature found: ${virus}` });
  try {
    return await parseAs(mediaType, bytes);
  } catch (e) {
    throw new AppError('UPLOAD_CORRUPT', { detail: `the ${mediaType} could not be read: ${(e as Error).message}`, cause: e });
  }
}
