import fs from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { degrees, PDFDict, PDFDocument, PDFName, PDFString, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import type { Block, Layout } from './kinds.js';

/**
 * PDF rendering with pdf-lib: Noto Sans SC from the installed npm package (never a
 * download), subset per document; a vector seal; the QR code drawn as vector modules
 * on every page. Rendering is deterministic for the same input and time.
 */
const require = createRequire(import.meta.url);
const FONT_DIR = require.resolve('@expo-google-fonts/noto-sans-sc/package.json').replace(/package\.json$/, '');
const REGULAR = `${FONT_DIR}400Regular/NotoSansSC_400Regular.ttf`;
const BOLD = `${FONT_DIR}700Bold/NotoSansSC_700Bold.ttf`;

type FontkitFont = ReturnType<typeof fontkit.create>;
const parsed = new Map<string, { bytes: Uint8Array; font: FontkitFont }>();
let patched = false;

/**
 * WARNING: fontkit's TrueType subsetter writes glyphs back to back and then picks the
 * short `loca` format, which stores offsets halved: a glyph of odd length shifts every
 * glyph after it and most characters render blank. Padding each glyph to an even
 * length (the TrueType spec recommends 4-byte alignment anyway) fixes it. Checked by
 * documents.int.test.ts through pdftotext and a rendered page.
 */
function patchSubsetter(font: FontkitFont): void {
  if (patched) return;
  const proto = Object.getPrototypeOf(font.createSubset()) as { _addGlyph: (gid: number) => number };
  const original = proto._addGlyph;
  proto._addGlyph = function (this: { glyf: { length: number; copy(t: unknown): void; constructor: { alloc(n: number): unknown } }[]; offset: number }, gid: number) {
    const r = original.call(this, gid);
    const last = this.glyf[this.glyf.length - 1]!;
    if (last.length % 2) {
      const padded = last.constructor.alloc(last.length + 1) as (typeof this.glyf)[number];
      last.copy(padded);
      this.glyf[this.glyf.length - 1] = padded;
      this.offset += 1;
    }
    return r;
  };
  patched = true;
}

function loadFont(file: string): { bytes: Uint8Array; font: FontkitFont } {
  let f = parsed.get(file);
  if (!f) {
    const bytes = new Uint8Array(fs.readFileSync(file));
    f = { bytes, font: fontkit.create(Buffer.from(bytes)) };
    patchSubsetter(f.font);
    parsed.set(file, f);
  }
  return f;
}

/** pdf-lib parses the font on every embed; this fontkit hands back the one parsed copy (10 MB, parsed once). */
const cachingFontkit = {
  create(bytes: Uint8Array) {
    for (const f of parsed.values()) if (f.bytes === bytes) return f.font;
    return fontkit.create(Buffer.from(bytes));
  },
} as unknown as typeof fontkit;

export interface RenderInput {
  layout: Layout;
  number: string;
  issuer: string;
  /** Printed issue date, 'YYYY年M月D日'. */
  issuedOn: string;
  qr: string;
  documentId: string;
  issuedAt: Date;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const FOOTER = 118;
const RED = rgb(0.8, 0.09, 0.09);
const INK = rgb(0.1, 0.1, 0.12);
const GREY = rgb(0.42, 0.42, 0.45);

/** Breaks text into lines that fit `width`: CJK may break anywhere, Latin words are kept whole where possible. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    const tokens = para.match(/[A-Za-z0-9@._%+\-/:,()¥]+|\s+|./gu) ?? [''];
    let line = '';
    for (const tok of tokens) {
      const candidate = line + tok;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line.trim()) lines.push(line.trimEnd());
      line = tok.trimStart();
      // A single token longer than the line: cut it by characters.
      while (font.widthOfTextAtSize(line, size) > width) {
        let cut = line.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--;
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

interface Ctx {
  doc: PDFDocument;
  regular: PDFFont;
  bold: PDFFont;
  page: PDFPage;
  y: number;
  pages: PDFPage[];
}

function newPage(ctx: Ctx): void {
  ctx.page = ctx.doc.addPage(A4);
  ctx.pages.push(ctx.page);
  ctx.y = A4[1] - MARGIN;
}
function ensure(ctx: Ctx, height: number): void {
  if (ctx.y - height < MARGIN + FOOTER) newPage(ctx);
}

const BODY = 11.5;
const LEAD = 19;
const CONTENT_W = A4[0] - 2 * MARGIN;

function drawBlock(ctx: Ctx, b: Block): void {
  switch (b.type) {
    case 'heading': {
      ensure(ctx, LEAD * 2);
      ctx.y -= 6;
      ctx.page.drawText(b.text, { x: MARGIN, y: ctx.y - BODY, size: BODY + 1, font: ctx.bold, color: INK });
      ctx.y -= LEAD + 2;
      return;
    }
    case 'paragraph': {
      const font = b.bold ? ctx.bold : ctx.regular;
      // First-line indent of two characters, as in Chinese official documents.
      const indent = '　　';
      for (const line of wrap(indent + b.text, font, BODY, CONTENT_W)) {
        ensure(ctx, LEAD);
        ctx.page.drawText(line, { x: MARGIN, y: ctx.y - BODY, size: BODY, font, color: INK });
        ctx.y -= LEAD;
      }
      ctx.y -= 4;
      return;
    }
    case 'list': {
      b.items.forEach((item, i) => {
        const label = `${i + 1}. `;
        const lw = ctx.regular.widthOfTextAtSize(label, BODY);
        wrap(item, ctx.regular, BODY, CONTENT_W - lw - 12).forEach((line, j) => {
          ensure(ctx, LEAD);
          if (j === 0) ctx.page.drawText(label, { x: MARGIN + 12, y: ctx.y - BODY, size: BODY, font: ctx.regular, color: INK });
          ctx.page.drawText(line, { x: MARGIN + 12 + lw, y: ctx.y - BODY, size: BODY, font: ctx.regular, color: INK });
          ctx.y -= LEAD;
        });
      });
      ctx.y -= 4;
      return;
    }
    case 'fields': {
      const labelW = Math.max(...b.rows.map(([l]) => ctx.bold.widthOfTextAtSize(l, BODY))) + 14;
      for (const [label, value] of b.rows) {
        const lines = wrap(value, ctx.regular, BODY, CONTENT_W - labelW);
        ensure(ctx, LEAD * lines.length);
        ctx.page.drawText(label, { x: MARGIN, y: ctx.y - BODY, size: BODY, font: ctx.bold, color: GREY });
        for (const line of lines) {
          ctx.page.drawText(line, { x: MARGIN + labelW, y: ctx.y - BODY, size: BODY, font: ctx.regular, color: INK });
          ctx.y -= LEAD;
        }
      }
      ctx.y -= 6;
      return;
    }
    case 'table': {
      const size = BODY - 1;
      const pad = 5;
      const colX: number[] = [];
      let x = MARGIN;
      for (const w of b.widths) {
        colX.push(x);
        x += w * CONTENT_W;
      }
      const drawRow = (cells: string[], header: boolean) => {
        const font = header ? ctx.bold : ctx.regular;
        const wrapped = cells.map((c, i) => wrap(c, font, size, b.widths[i]! * CONTENT_W - 2 * pad));
        const h = Math.max(...wrapped.map((w) => w.length)) * (size + 5) + 2 * pad;
        if (ctx.y - h < MARGIN + FOOTER) {
          newPage(ctx);
          if (!header) drawRow(b.columns, true);
        }
        if (header) ctx.page.drawRectangle({ x: MARGIN, y: ctx.y - h, width: CONTENT_W, height: h, color: rgb(0.95, 0.95, 0.96) });
        wrapped.forEach((lines, i) =>
          lines.forEach((line, j) => ctx.page.drawText(line, { x: colX[i]! + pad, y: ctx.y - pad - size - j * (size + 5), size, font, color: INK })),
        );
        ctx.page.drawLine({ start: { x: MARGIN, y: ctx.y - h }, end: { x: MARGIN + CONTENT_W, y: ctx.y - h }, thickness: 0.6, color: GREY });
        if (header) ctx.page.drawLine({ start: { x: MARGIN, y: ctx.y }, end: { x: MARGIN + CONTENT_W, y: ctx.y }, thickness: 0.6, color: GREY });
        ctx.y -= h;
      };
      ensure(ctx, 60);
      drawRow(b.columns, true);
      for (const r of b.rows) drawRow(r, false);
      ctx.y -= 12;
      return;
    }
  }
}

/**
 * A round department seal (公章), drawn as vectors: red ring, five-pointed star, the
 * department's name around the upper arc and 电子专用章 below the star.
 */
export function drawSeal(page: PDFPage, font: PDFFont, cx: number, cy: number, r: number, department: string): void {
  page.drawCircle({ x: cx, y: cy, size: r, borderColor: RED, borderWidth: r * 0.06, opacity: 0 });
  const star: string[] = [];
  const sr = r * 0.26;
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? sr : sr * 0.4;
    star.push(`${i === 0 ? 'M' : 'L'} ${(rr * Math.cos(a)).toFixed(2)} ${(rr * Math.sin(a)).toFixed(2)}`);
  }
  // drawSvgPath's y axis points down: the star's first point at −90° is its top.
  page.drawSvgPath(star.join(' ') + ' Z', { x: cx, y: cy + r * 0.02, color: RED });
  const chars = [...department];
  const size = Math.min(r * 0.24, (Math.PI * 1.3 * r * 0.74) / Math.max(chars.length, 1));
  const textR = r * 0.9 - size;
  const span = Math.min(Math.PI * 1.35, (chars.length * size * 1.05) / textR);
  chars.forEach((ch, i) => {
    const a = Math.PI / 2 + span / 2 - (chars.length === 1 ? span / 2 : (i * span) / (chars.length - 1));
    const rot = a - Math.PI / 2;
    const w = font.widthOfTextAtSize(ch, size);
    const px = cx + textR * Math.cos(a) - (w / 2) * Math.cos(rot);
    const py = cy + textR * Math.sin(a) - (w / 2) * Math.sin(rot);
    page.drawText(ch, { x: px, y: py, size, font, color: RED, rotate: degrees((rot * 180) / Math.PI) });
  });
  const label = '电子专用章';
  const ls = r * 0.15;
  page.drawText(label, { x: cx - font.widthOfTextAtSize(label, ls) / 2, y: cy - r * 0.52, size: ls, font, color: RED });
}

/** QR modules as vector rectangles (runs of dark modules merged per row), quiet zone included. */
export function drawQr(page: PDFPage, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const m = size / (n + 2 * quiet);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let row = 0; row < n; row++) {
    let start = -1;
    for (let col = 0; col <= n; col++) {
      const dark = col < n && qr.modules.get(row, col);
      if (dark && start < 0) start = col;
      if (!dark && start >= 0) {
        page.drawRectangle({ x: x + (quiet + start) * m, y: y + size - (quiet + row + 1) * m, width: (col - start) * m, height: m, color: rgb(0, 0, 0) });
        start = -1;
      }
    }
  }
}

/** Renders the document; the QR text also goes into the Info dictionary (uncompressed) so a damaged copy still names its document. */
export async function renderPdf(input: RenderInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(cachingFontkit);
  const regular = await doc.embedFont(loadFont(REGULAR).bytes, { subset: true });
  const bold = await doc.embedFont(loadFont(BOLD).bytes, { subset: true });
  doc.setTitle(`${input.layout.title} ${input.number}`);
  doc.setAuthor(input.issuer);
  doc.setCreator('Tongban 通办');
  doc.setProducer('Tongban 通办 (pdf-lib)');
  doc.setCreationDate(input.issuedAt);
  doc.setModificationDate(input.issuedAt);
  // pdf-lib keeps getInfoDict private; it is the documented way to reach custom Info entries.
  const info = (doc as unknown as { getInfoDict(): PDFDict }).getInfoDict();
  info.set(PDFName.of('TongbanQR'), PDFString.of(input.qr));
  info.set(PDFName.of('TongbanDocument'), PDFString.of(input.documentId));

  const ctx: Ctx = { doc, regular, bold, page: undefined as unknown as PDFPage, y: 0, pages: [] };
  newPage(ctx);
  // Title and number.
  const ts = 21;
  const tw = bold.widthOfTextAtSize(input.layout.title, ts);
  const titleLines = tw > CONTENT_W ? wrap(input.layout.title, bold, ts, CONTENT_W) : [input.layout.title];
  for (const line of titleLines) {
    ctx.page.drawText(line, { x: (A4[0] - bold.widthOfTextAtSize(line, ts)) / 2, y: ctx.y - ts, size: ts, font: bold, color: INK });
    ctx.y -= ts + 10;
  }
  const no = input.number;
  ctx.page.drawText(no, { x: A4[0] - MARGIN - regular.widthOfTextAtSize(no, 10.5), y: ctx.y - 12, size: 10.5, font: regular, color: GREY });
  ctx.y -= 22;
  ctx.page.drawLine({ start: { x: MARGIN, y: ctx.y }, end: { x: A4[0] - MARGIN, y: ctx.y }, thickness: 1.2, color: RED });
  ctx.y -= 18;

  for (const b of input.layout.blocks) drawBlock(ctx, b);

  // Issuer, date and seal: right-aligned, the seal to the right of the text, never over it.
  const sealR = 46;
  ensure(ctx, sealR * 2 + 16);
  const blockTop = ctx.y - 10;
  const sealCx = A4[0] - MARGIN - sealR;
  const textRight = sealCx - sealR - 12;
  const issuerW = regular.widthOfTextAtSize(input.issuer, BODY);
  const dateW = regular.widthOfTextAtSize(input.issuedOn, BODY);
  ctx.page.drawText(input.issuer, { x: textRight - issuerW, y: blockTop - sealR + 4, size: BODY, font: regular, color: INK });
  ctx.page.drawText(input.issuedOn, { x: textRight - dateW, y: blockTop - sealR - LEAD + 4, size: BODY, font: regular, color: INK });
  drawSeal(ctx.page, regular, sealCx, blockTop - sealR, sealR, input.issuer);
  ctx.y = blockTop - 2 * sealR - 8;

  // Footer with the QR code on every page.
  const total = ctx.pages.length;
  ctx.pages.forEach((page, i) => {
    const qrSize = 92;
    const fy = MARGIN - 20;
    page.drawLine({ start: { x: MARGIN, y: fy + qrSize + 8 }, end: { x: A4[0] - MARGIN, y: fy + qrSize + 8 }, thickness: 0.5, color: GREY });
    drawQr(page, input.qr, MARGIN - 8, fy, qrSize);
    const tx = MARGIN + qrSize + 4;
    const lines = [
      '扫描二维码或登录“通办”核验页面（/verify）上传本文件，可核验本文书真伪。',
      '电子文书经国密SM2/SM3电子签章，与纸质文书具有同等效力；复印件以核验结果为准。',
      `文书编号：${input.number}`,
      `文书标识：${input.documentId}`,
      `第 ${i + 1} 页 / 共 ${total} 页`,
    ];
    lines.forEach((line, j) => page.drawText(line, { x: tx, y: fy + qrSize - 14 - j * 15, size: 8.5, font: regular, color: GREY }));
  });
  return doc.save({ useObjectStreams: false });
}
