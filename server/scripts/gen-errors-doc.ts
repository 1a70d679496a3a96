// Writes docs/ERRORS.md from the error catalogue: node --import tsx server/scripts/gen-errors-doc.ts
import fs from 'node:fs';
import path from 'node:path';
import { renderErrorsDoc } from '../src/http/errors-doc.js';

export const ERRORS_DOC_PATH = path.resolve(import.meta.dirname, '../../docs/ERRORS.md');

fs.writeFileSync(ERRORS_DOC_PATH, renderErrorsDoc());
console.log(`wrote ${ERRORS_DOC_PATH}`);
