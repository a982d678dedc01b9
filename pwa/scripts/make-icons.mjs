// Draws the app icons as PNGs with no dependencies (node:zlib): two white speech bubbles
// (two sides talking) on the theme red. `npm run icons` rewrites public/icons/*.png.
import { deflateSync } from "node:zlib";
import { mkdirSync, writeFileSync } from "node:fs";

const RED = [0xb3, 0x26, 0x1e];
const WHITE = [255, 255, 255];

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x + 0.5, y + 0.5);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}
const inRoundRect = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r), cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const inTri = (px, py, [ax, ay], [bx, by], [cx, cy]) => {
  const s = (p1x, p1y, p2x, p2y, p3x, p3y) => (p1x - p3x) * (p2y - p3y) - (p2x - p3x) * (p1y - p3y);
  const d1 = s(px, py, ax, ay, bx, by), d2 = s(px, py, bx, by, cx, cy), d3 = s(px, py, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};
/** glyph in unit square [0,1]: two bubbles */
function glyph(u, v) {
  const b1 = inRoundRect(u, v, 0.12, 0.18, 0.62, 0.55, 0.1) || inTri(u, v, [0.2, 0.5], [0.34, 0.5], [0.18, 0.68]);
  const b2 = inRoundRect(u, v, 0.38, 0.45, 0.88, 0.82, 0.1) || inTri(u, v, [0.66, 0.78], [0.8, 0.78], [0.82, 0.95]);
  const gap2 = inRoundRect(u, v, 0.35, 0.42, 0.91, 0.85, 0.12) && !b2;
  if (b2) return 2;
  if (gap2) return 0; // red outline separates the bubbles
  if (b1) return 1;
  return 0;
}
function icon(size, { maskable }) {
  const pad = maskable ? 0.2 : 0.12; // maskable: keep the glyph in the safe zone
  return png(size, (x, y) => {
    const u = x / size, v = y / size;
    if (!maskable && !inRoundRect(u, v, 0, 0, 1, 1, 0.18)) return [0, 0, 0, 0];
    const gu = (u - pad) / (1 - 2 * pad), gv = (v - pad) / (1 - 2 * pad);
    const g = gu >= 0 && gu <= 1 && gv >= 0 && gv <= 1 ? glyph(gu, gv) : 0;
    const c = g === 1 ? WHITE : g === 2 ? [0xff, 0xe1, 0xdc] : RED;
    return [...c, 255];
  });
}
mkdirSync(new URL("../public/icons/", import.meta.url), { recursive: true });
const out = (name, buf) => writeFileSync(new URL(`../public/icons/${name}`, import.meta.url), buf);
out("icon-192.png", icon(192, { maskable: false }));
out("icon-512.png", icon(512, { maskable: false }));
out("maskable-512.png", icon(512, { maskable: true }));
out("apple-touch-icon-180.png", icon(180, { maskable: true }));
console.log("icons written");
