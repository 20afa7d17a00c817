// Draws the tray and app icons into assets/ with a tiny PNG encoder (node:zlib), no image library.
// Shapes are signed distance functions on a unit square, supersampled 4x4 per pixel for smooth edges,
// so the same drawing renders at 16, 32, 256 and 512 px. Usage: node scripts/make-icons.mjs
//
// Every state has its own SHAPE, not only its colour: macOS template images are black + alpha (the
// menu bar tints them), and colour-blind users read shapes too.
//   ok       filled disc              (green)
//   waiting  ring with a centre dot   (amber)
//   alert    triangle with "!"        (red)      failed / stalled / auth / vanished / not verified
//   limited  hourglass                (blue)     rate-limited, will resume on its own
//   empty    thin ring                (grey)     no workcells
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buffer } from 'node:buffer';
import { deflateSync } from 'node:zlib';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

// ---- PNG ----
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** rgba: Uint8Array of size*size*4, straight alpha. */
function encodePng(size, rgba) {
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

// ---- shapes: signed distance, negative inside; coordinates in [0,1] ----
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const ring = (cx, cy, r, w) => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) - w / 2;
/** A capsule: segment a-b with radius r (bars, strokes, chevrons). */
const segment = (ax, ay, bx, by, r) => (x, y) => {
  const px = x - ax,
    py = y - ay,
    dx = bx - ax,
    dy = by - ay;
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - t * dx, py - t * dy) - r;
};
/** Convex polygon (counter-clockwise or clockwise): max of edge half-plane distances (exact enough). */
const polygon = (pts) => (x, y) => {
  let d = -Infinity;
  const n = pts.length;
  const area = pts.reduce((s, [ax, ay], i) => s + ax * pts[(i + 1) % n][1] - pts[(i + 1) % n][0] * ay, 0);
  const sign = area > 0 ? 1 : -1;
  for (let i = 0; i < n; i++) {
    const [ax, ay] = pts[i],
      [bx, by] = pts[(i + 1) % n];
    const ex = bx - ax,
      ey = by - ay,
      len = Math.hypot(ex, ey);
    d = Math.max(d, (sign * (ex * (y - ay) - ey * (x - ax))) / -len);
  }
  return d;
};
const roundedSquare = (m, r) => (x, y) => {
  const qx = Math.abs(x - 0.5) - (0.5 - m - r),
    qy = Math.abs(y - 0.5) - (0.5 - m - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const union =
  (...fs) =>
  (x, y) =>
    Math.min(...fs.map((f) => f(x, y)));

const COLORS = {
  ok: [34, 160, 90],
  waiting: [232, 160, 20],
  alert: [214, 48, 49],
  limited: [59, 110, 220],
  empty: [128, 128, 136],
  white: [255, 255, 255],
};

/** Each icon: layers painted in order; `cut` erases (transparent in templates, white in colour). */
const TRAY = {
  ok: [{ shape: circle(0.5, 0.5, 0.4), color: COLORS.ok }],
  waiting: [
    { shape: ring(0.5, 0.5, 0.33, 0.15), color: COLORS.waiting },
    { shape: circle(0.5, 0.5, 0.14), color: COLORS.waiting },
  ],
  alert: [
    {
      shape: polygon([
        [0.5, 0.06],
        [0.96, 0.9],
        [0.04, 0.9],
      ]),
      color: COLORS.alert,
    },
    { shape: segment(0.5, 0.36, 0.5, 0.58, 0.055), cut: true },
    { shape: circle(0.5, 0.74, 0.06), cut: true },
  ],
  limited: [
    {
      shape: union(
        polygon([
          [0.18, 0.08],
          [0.82, 0.08],
          [0.5, 0.5],
        ]),
        polygon([
          [0.5, 0.5],
          [0.82, 0.92],
          [0.18, 0.92],
        ]),
      ),
      color: COLORS.limited,
    },
  ],
  empty: [{ shape: ring(0.5, 0.5, 0.36, 0.09), color: COLORS.empty }],
};

/** App icon: a dark rounded tile with a terminal prompt `>_` and a green "all fine" disc. */
const APP = [
  { shape: roundedSquare(0.04, 0.18), color: [31, 41, 55] },
  {
    shape: union(segment(0.24, 0.36, 0.42, 0.52, 0.045), segment(0.42, 0.52, 0.24, 0.68, 0.045)),
    color: COLORS.white,
  },
  { shape: segment(0.5, 0.7, 0.72, 0.7, 0.04), color: COLORS.white },
  { shape: circle(0.74, 0.28, 0.1), color: COLORS.ok },
];

const SS = 4; // 4x4 samples per pixel
function render(layers, size, template) {
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0; // premultiplied
      for (const layer of layers) {
        let cover = 0;
        for (let sy = 0; sy < SS; sy++)
          for (let sx = 0; sx < SS; sx++)
            if (layer.shape((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size) < 0) cover++;
        cover /= SS * SS;
        if (cover === 0) continue;
        if (layer.cut && template) {
          r *= 1 - cover;
          g *= 1 - cover;
          b *= 1 - cover;
          a *= 1 - cover;
          continue;
        }
        const [cr, cg, cb] = layer.cut ? COLORS.white : template ? [0, 0, 0] : layer.color;
        r = cr * cover + r * (1 - cover);
        g = cg * cover + g * (1 - cover);
        b = cb * cover + b * (1 - cover);
        a = cover + a * (1 - cover);
      }
      const i = (py * size + px) * 4;
      rgba[i] = a ? Math.round(r / a) : 0;
      rgba[i + 1] = a ? Math.round(g / a) : 0;
      rgba[i + 2] = a ? Math.round(b / a) : 0;
      rgba[i + 3] = Math.round(a * 255);
    }
  }
  return encodePng(size, rgba);
}

mkdirSync(OUT, { recursive: true });
const written = [];
const write = (name, png) => {
  writeFileSync(join(OUT, name), png);
  written.push(name);
};
for (const [name, layers] of Object.entries(TRAY)) {
  write(`tray-${name}.png`, render(layers, 16, false));
  write(`tray-${name}@2x.png`, render(layers, 32, false));
  write(`tray-${name}Template.png`, render(layers, 16, true));
  write(`tray-${name}Template@2x.png`, render(layers, 32, true));
}
for (const size of [256, 512]) write(`icon-${size}.png`, render(APP, size, false));
process.stdout.write(`wrote ${written.length} icons to ${OUT}\n`);
