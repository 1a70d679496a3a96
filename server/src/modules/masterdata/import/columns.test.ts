import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapHeader, normaliseBirthDate, pickColumns } from './columns.js';
import { copyValue } from './session.js';
import { cellText, detectEncoding } from './source.js';

test('Chinese and English headers map to the same columns, in any order, with stray spaces and asterisks', () => {
  const zh = mapHeader(['序号', ' 姓名* ', '身份证号码', '手机号', '行政区划代码']);
  assert.deepEqual(zh, { name: 1, residentId: 2, phone: 3, regionCode: 4 });
  const en = mapHeader(['regionCode', 'residentId', 'Name']);
  assert.deepEqual(en, { regionCode: 0, residentId: 1, name: 2 });
  assert.deepEqual(pickColumns(en, ['371002', ' 371002198503121239 ', '张伟']).residentId, '371002198503121239');
});

test('a header without a required column is refused, naming every missing one', () => {
  assert.throws(() => mapHeader(['姓名', '手机']), (e: Error) => /身份证号\/residentId/.test(e.message) && /行政区划\/regionCode/.test(e.message));
});

test('birth dates are read the ways people type them; anything else is unreadable', () => {
  for (const typed of ['1985-03-12', '1985/3/12', '19850312', '1985年3月12日', '１９８５－０３－１２', '1985.03.12']) {
    assert.equal(normaliseBirthDate(typed), '1985-03-12', typed);
  }
  for (const bad of ['1985312', '85-03-12', 'March 1985', '1985-03']) assert.equal(normaliseBirthDate(bad), undefined, bad);
});

test('COPY values escape what would break a row, and null is \\N', () => {
  assert.equal(copyValue(null), '\\N');
  assert.equal(copyValue('a\tb\nc\\d\re'), 'a\\tb\\nc\\\\d\\re');
  assert.equal(copyValue('环翠区文化路1号'), '环翠区文化路1号');
});

test('spreadsheet cells become text: long numbers without exponent, dates as YYYY-MM-DD, rich text joined', () => {
  assert.equal(cellText(13806301234), '13806301234');
  assert.equal(cellText(new Date(Date.UTC(1966, 2, 3))), '1966-03-03');
  assert.equal(cellText({ richText: [{ text: '张' }, { text: '伟' }] }), '张伟');
  assert.equal(cellText({ formula: 'A1', result: 371002 }), '371002');
  assert.equal(cellText(null), '');
});

test('UTF-8 (with or without BOM) and GB18030 files are told apart', () => {
  assert.equal(detectEncoding(Buffer.from('\uFEFF身份证号,姓名')), 'utf-8');
  assert.equal(detectEncoding(Buffer.from('身份证号,姓名')), 'utf-8');
  assert.equal(detectEncoding(Buffer.from([0xd0, 0xd5, 0xc3, 0xfb])), 'gb18030'); // 姓名 in GBK
});
