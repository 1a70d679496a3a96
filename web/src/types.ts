/**
 * Shapes of the case, catalogue, policy and archive APIs as the web app reads them.
 * The server's routes.ts files (and /openapi.json) are the source of truth.
 */
export type Localised = { zh: string; en: string };

export interface Citation {
  law: string;
  article?: string;
  docNo?: string;
  effectiveFrom?: string;
  url?: string;
}

export function loc(l: Localised | string | undefined | null, lang: string): string {
  if (!l) return '';
  if (typeof l === 'string') return l;
  return lang === 'en' ? l.en || l.zh : l.zh || l.en;
}

export function citationText(c: Citation | undefined | null): string {
  if (!c) return '';
  return [c.law, c.article, c.docNo ? `（${c.docNo}）` : ''].filter(Boolean).join(' ');
}
