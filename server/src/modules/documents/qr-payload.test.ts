import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { base45Decode, base45Encode, decodeQr, encodeQr } from './qr-payload.js';

test('base45 matches RFC 9285 examples and round-trips any bytes', () => {
  assert.equal(base45Encode(Buffer.from('AB')), 'BB8');
  assert.equal(base45Encode(Buffer.from('Hello!!')), '%69 VD92EX0');
  assert.equal(base45Encode(Buffer.from('base-45')), 'UJCLQE7W581');
  assert.equal(Buffer.from(base45Decode('QED8WEX0')).toString(), 'ietf!');
  assert.throws(() => base45Decode('GGW'), /range/); // 65535 < value
  assert.throws(() => base45Decode('ab'), /bad character/);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => Buffer.from(base45Decode(base45Encode(b))).equals(Buffer.from(b))));
});

test('a payload decodes to the claims it was made from; damage is reported as malformed', () => {
  const claims = { documentId: '0192f3a4-5b6c-7d8e-9f00-112233445566', contentSm3: 'ab'.repeat(32), issuedAt: new Date('2026-11-01T02:03:04Z'), keyId: 'S20261127a1b2c3' };
  const qr = encodeQr(claims, Buffer.alloc(64, 7));
  assert.match(qr, /^TB1:[0-9A-Z $%*+\-./:]+$/);
  assert.ok(qr.length < 230, `compact: ${qr.length} characters`);
  const d = decodeQr(qr);
  assert.ok(d.ok);
  assert.deepEqual(d.claims, claims);
  assert.equal(decodeQr('TB2:' + qr.slice(4)).ok, false);
  assert.equal(decodeQr(qr.slice(0, -3)).ok, false);
  assert.equal(decodeQr(qr + 'AAA').ok, false);
  assert.equal(decodeQr('hello').ok, false);
});
