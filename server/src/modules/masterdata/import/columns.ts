/** Columns of a person import file; headers may be Chinese or English. */
export const IMPORT_COLUMNS = ['residentId', 'name', 'sex', 'birthDate', 'phone', 'address', 'regionCode'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

const REQUIRED: ImportColumn[] = ['residentId', 'name', 'regionCode'];

const ALIASES: Record<ImportColumn, string[]> = {
  residentId: ['身份证号', '身份证号码', '公民身份号码', '证件号码', 'residentid', 'resident_id', 'idnumber', 'id'],
  name: ['姓名', 'name'],
  sex: ['性别', 'sex', 'gender'],
  birthDate: ['出生日期', 'birthdate', 'birth_date', 'dateofbirth', 'dob'],
  phone: ['手机', '手机号', '手机号码', '联系电话', '电话', 'phone', 'mobile'],
  address: ['地址', '住址', '居住地址', 'address'],
  regionCode: ['行政区划', '行政区划代码', '区划代码', 'regioncode', 'region_code', 'region'],
};

const LOOKUP = new Map<string, ImportColumn>();
for (const col of IMPORT_COLUMNS) for (const alias of ALIASES[col]) LOOKUP.set(alias, col);

function headerKey(raw: string): string {
  return raw.normalize('NFKC').replace(/^\uFEFF/, '').replace(/[\s*＊:：]/g, '').toLowerCase();
}

export type ColumnMap = Partial<Record<ImportColumn, number>>;

/** Maps header cells to columns; throws, naming every missing required column, when the file cannot be imported at all. */
export function mapHeader(header: string[]): ColumnMap {
  const map: ColumnMap = {};
  header.forEach((cell, index) => {
    const col = LOOKUP.get(headerKey(cell ?? ''));
    if (col && map[col] === undefined) map[col] = index;
  });
  const missing = REQUIRED.filter((c) => map[c] === undefined);
  if (missing.length > 0) {
    const names = missing.map((c) => `${ALIASES[c][0]}/${c}`).join(', ');
    throw new Error(`missing column(s) ${names} in the header row / 表头缺少必填列：${names}`);
  }
  return map;
}

export type ImportRecord = Record<ImportColumn, string>;

export function pickColumns(map: ColumnMap, cells: string[]): ImportRecord {
  const get = (c: ImportColumn) => {
    const i = map[c];
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };
  return { residentId: get('residentId'), name: get('name'), sex: get('sex'), birthDate: get('birthDate'), phone: get('phone'), address: get('address'), regionCode: get('regionCode') };
}

export function isBlank(cells: string[]): boolean {
  for (const c of cells) if (c && c.trim() !== '') return false;
  return true;
}

/** Birth dates as people type them: 1985-03-12, 1985/3/12, 19850312, 1985年3月12日. Undefined when unreadable. */
export function normaliseBirthDate(raw: string): string | undefined {
  const s = raw.normalize('NFKC').trim();
  if (!s) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s) ?? /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s);
  if (!m) return undefined;
  return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
}
