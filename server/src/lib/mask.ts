/**
 * Masking of personal identifiers for lists, logs and audit images.
 * Resident ID: keep the first 4 and last 4 (3710**********123X) — enough for a
 * person to recognise their own, not enough to reuse. Phone: 138****1234.
 */
export function maskResidentId(id: string | null | undefined): string | null {
  if (!id) return id ?? null;
  if (id.length <= 8) return '*'.repeat(id.length);
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
}

export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return phone ?? null;
  if (phone.length < 7) return '*'.repeat(phone.length);
  return phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4);
}

const ID_IN_TEXT = /(?<![0-9])([1-9][0-9]{3})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9])|(?<![0-9])([1-9][0-9]{3})[0-9]{7}([0-9]{4})(?![0-9])/g;
const PHONE_IN_TEXT = /(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])/g;

/** Masks anything that looks like an 18/15-digit resident ID or a mobile number inside free text (URLs, messages). */
export function maskText(text: string): string {
  return text
    .replace(ID_IN_TEXT, (_m, a18, b18, a15, b15) => (a18 ? `${a18}**********${b18}` : `${a15}*******${b15}`))
    .replace(PHONE_IN_TEXT, '$1****$2');
}
