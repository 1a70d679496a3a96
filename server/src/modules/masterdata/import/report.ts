import fs from 'node:fs';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { maskPhone, maskResidentId } from '../../../lib/mask.js';

/** One problem of one rejected row; a row with three problems has three entries. */
export interface Rejection {
  rowNo: number;
  field: string;
  code: string;
  /** "中文 / English". */
  reason: string;
  value: string;
}

const HEADER = ['行号 row', '字段 field', '代码 code', '原因 reason', '值 value'];

/** The value as shown in the report: identifiers masked, like every other list. */
function shown(r: Rejection): string {
  if (r.field === 'residentId') return maskResidentId(r.value) ?? '';
  if (r.field === 'phone') return maskPhone(r.value) ?? '';
  return r.value.length > 100 ? `${r.value.slice(0, 100)}…` : r.value;
}

export interface ReportWriter {
  write(rows: Rejection[]): Promise<void>;
  close(): Promise<void>;
}

/** CSV with a BOM so that Excel opens the Chinese text correctly. */
function csvReport(file: string): ReportWriter {
  const out = fs.createWriteStream(file);
  out.write('\uFEFF');
  const csv = stringify();
  csv.pipe(out);
  csv.write(HEADER);
  return {
    async write(rows) {
      for (const r of rows) {
        if (!csv.write([r.rowNo, r.field, r.code, r.reason, shown(r)])) await once(csv, 'drain');
      }
    },
    async close() {
      csv.end();
      await once(out, 'finish');
    },
  };
}

function xlsxReport(file: string): ReportWriter {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: false });
  const sheet = wb.addWorksheet('rejected');
  sheet.addRow(HEADER).commit();
  return {
    async write(rows) {
      for (const r of rows) sheet.addRow([r.rowNo, r.field, r.code, r.reason, shown(r)]).commit();
    },
    async close() {
      sheet.commit();
      await wb.commit();
    },
  };
}

export function openReport(file: string): ReportWriter {
  return file.toLowerCase().endsWith('.xlsx') ? xlsxReport(file) : csvReport(file);
}
