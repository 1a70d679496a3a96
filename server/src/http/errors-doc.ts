import { ERRORS } from './errors.js';

/** docs/ERRORS.md, generated from the ERRORS catalogue (scripts/gen-errors-doc.ts writes it). */
export function renderErrorsDoc(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated from server/src/http/errors.ts by `node --import tsx server/scripts/gen-errors-doc.ts`. Do not edit by hand: a test fails when this file is out of date. -->',
    '',
    'Every error the API returns is an RFC 9457 problem document (`Content-Type: application/problem+json`) with a stable `code`,',
    'the HTTP `status`, and the message in both languages under `messages` (`zh-CN` and `en`). A validation error',
    '(`VALIDATION_FAILED`) lists every bad field in `errors` (`field`, `reason`, `code`). Clients branch on `code`, never on the text.',
    '',
    '```json',
    '{',
    '  "type": "urn:tongban:problem:not-found",',
    '  "title": "Not found",',
    '  "status": 404,',
    '  "code": "NOT_FOUND",',
    '  "messages": { "zh-CN": "未找到所请求的内容", "en": "Not found" },',
    '  "instance": "<request id>"',
    '}',
    '```',
    '',
    '| Code | Status | 中文 (zh-CN) | English |',
    '| --- | --- | --- | --- |',
  ];
  for (const [code, e] of Object.entries(ERRORS)) lines.push(`| \`${code}\` | ${e.status} | ${cell(e.zh)} | ${cell(e.en)} |`);
  lines.push('');
  return lines.join('\n');
}
