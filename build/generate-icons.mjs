// Generates Restray's icons as PNG (and PNG-in-ICO for Windows) with no image library: each icon is a few
// shapes described as signed distance functions, rasterised with 4x4 supersampling. Run it after changing a
// shape: `node build/generate-icons.mjs` (outputs are committed; the app never runs this).
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** RGBA pixels (Uint8Array, size*size*4) → PNG bytes. */
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
/** PNG images → one .ico (PNG entries are valid since Windows Vista). */
function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const dir = images.map(({ size, data }) => {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4);
    e.writeUInt16LE(32, 6);
    e.writeUInt32LE(data.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += data.length;
    return e;
  });
  return Buffer.concat([header, ...dir, ...images.map((i) => i.data)]);
}

// Shapes in a unit square (0..1); each returns a signed distance (< 0 inside).
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const ring = (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2;
const box = (cx, cy, hw, hh) => (x, y) => {
  const dx = Math.abs(x - cx) - hw;
  const dy = Math.abs(y - cy) - hh;
  return Math.min(Math.max(dx, dy), 0) + Math.hypot(Math.max(dx, 0), Math.max(dy, 0));
};
const segment = (ax, ay, bx, by, w) => (x, y) => {
  const px = x - ax,
    py = y - ay,
    vx = bx - ax,
    vy = by - ay;
  const t = Math.max(0, Math.min(1, (px * vx + py * vy) / (vx * vx + vy * vy)));
  return Math.hypot(px - vx * t, py - vy * t) - w / 2;
};
/** A ring with a gap at the top right (the "running" look). */
const arc = (cx, cy, r, w) => (x, y) => {
  const a = Math.atan2(y - cy, x - cx);
  return a > -Math.PI / 2 && a < 0 ? 1 : ring(cx, cy, r, w)(x, y);
};
const union =
  (...fs) =>
  (x, y) =>
    Math.min(...fs.map((f) => f(x, y)));

const COLORS = {
  ok: [0x1a, 0x7f, 0x37],
  running: [0x0b, 0x5c, 0xad],
  warning: [0xb3, 0x6b, 0x00],
  error: [0xc2, 0x1b, 0x2f],
  paused: [0x6e, 0x76, 0x81],
};
const glyphs = {
  ok: union(
    ring(0.5, 0.5, 0.36, 0.12),
    segment(0.33, 0.52, 0.45, 0.64, 0.11),
    segment(0.45, 0.64, 0.68, 0.38, 0.11),
  ),
  running: union(arc(0.5, 0.5, 0.36, 0.12), circle(0.5, 0.5, 0.1)),
  warning: union(ring(0.5, 0.5, 0.36, 0.12), box(0.5, 0.43, 0.05, 0.14), circle(0.5, 0.67, 0.06)),
  error: union(
    ring(0.5, 0.5, 0.36, 0.12),
    segment(0.38, 0.38, 0.62, 0.62, 0.1),
    segment(0.62, 0.38, 0.38, 0.62, 0.1),
  ),
  paused: union(ring(0.5, 0.5, 0.36, 0.12), box(0.42, 0.5, 0.045, 0.15), box(0.58, 0.5, 0.045, 0.15)),
};

function render(size, shape, [r, g, b]) {
  const out = new Uint8Array(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      let cover = 0;
      for (let sy = 0; sy < S; sy++)
        for (let sx = 0; sx < S; sx++)
          if (shape((px + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size) < 0) cover++;
      const i = (py * size + px) * 4;
      out[i] = r;
      out[i + 1] = g;
      out[i + 2] = b;
      out[i + 3] = Math.round((255 * cover) / (S * S));
    }
  return out;
}

mkdirSync(`${root}/assets/tray`, { recursive: true });
for (const [look, shape] of Object.entries(glyphs)) {
  const color = COLORS[look];
  // Linux: coloured 32 px (panels scale it); Windows: .ico with 16 and 32; macOS: black template + @2x.
  writeFileSync(`${root}/assets/tray/tray-${look}.png`, png(32, render(32, shape, color)));
  writeFileSync(
    `${root}/assets/tray/tray-${look}.ico`,
    ico([16, 32].map((s) => ({ size: s, data: png(s, render(s, shape, color)) }))),
  );
  writeFileSync(`${root}/assets/tray/tray-${look}Template.png`, png(16, render(16, shape, [0, 0, 0])));
  writeFileSync(`${root}/assets/tray/tray-${look}Template@2x.png`, png(32, render(32, shape, [0, 0, 0])));
}
// App icon: the "ok" mark on a rounded tile, for the window, notifications and installers.
const tile = (x, y) => box(0.5, 0.5, 0.4, 0.4)(x, y) - 0.08;
function appIcon(size) {
  const bg = render(size, tile, [0x0b, 0x5c, 0xad]);
  const fg = render(size, (x, y) => glyphs.ok((x - 0.5) / 0.8 + 0.5, (y - 0.5) / 0.8 + 0.5), [255, 255, 255]);
  for (let i = 0; i < bg.length; i += 4) {
    const a = fg[i + 3] / 255;
    bg[i] = Math.round(bg[i] * (1 - a) + 255 * a);
    bg[i + 1] = Math.round(bg[i + 1] * (1 - a) + 255 * a);
    bg[i + 2] = Math.round(bg[i + 2] * (1 - a) + 255 * a);
  }
  return png(size, bg);
}
writeFileSync(`${root}/assets/icon.png`, appIcon(256));
writeFileSync(`${root}/build/icon.png`, appIcon(512));
writeFileSync(`${root}/build/icon.ico`, ico([16, 32, 48, 256].map((s) => ({ size: s, data: appIcon(s) }))));
console.log('icons written to assets/ and build/');
