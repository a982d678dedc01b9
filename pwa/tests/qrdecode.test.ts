import { describe, expect, it } from "vitest";
import jsQR from "jsqr";
import { decodeQr, stretchContrast } from "../src/lib/qrdecode";
import { qrMatrix } from "../src/lib/qr";

/** An RGBA image of a QR code: modules of grey `dark` on grey `light`, with a little sensor noise. */
function faintQr(text: string, dark: number, light: number, scale = 6, seed = 7): { data: Uint8ClampedArray; w: number; h: number } {
  const m = qrMatrix(text);
  const n = m.length;
  const quiet = 4;
  const w = (n + quiet * 2) * scale;
  const data = new Uint8ClampedArray(w * w * 4);
  let s = seed;
  const noise = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 5) - 2; // -2..2, deterministic
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const mx = Math.floor(x / scale) - quiet;
      const my = Math.floor(y / scale) - quiet;
      const isDark = mx >= 0 && my >= 0 && mx < n && my < n && m[my]![mx]!;
      const v = (isDark ? dark : light) + noise();
      const o = (y * w + x) * 4;
      data[o] = data[o + 1] = data[o + 2] = v;
      data[o + 3] = 255;
    }
  }
  return { data, w, h: w };
}

const URL = "https://jiefen.example/t/JF-330522-2026-7K3M9Q5#k=AbCdEf0123456789";

describe("faint QR codes", () => {
  it("a grey-on-grey code jsQR alone cannot read decodes after contrast stretching", () => {
    const img = faintQr(URL, 120, 134);
    expect(jsQR(img.data, img.w, img.h, { inversionAttempts: "attemptBoth" })).toBeNull();
    expect(decodeQr(img.data, img.w, img.h)).toBe(URL);
  });

  it("an inverted faint code (light modules on a darker ground) decodes too", () => {
    const img = faintQr(URL, 134, 120);
    expect(decodeQr(img.data, img.w, img.h)).toBe(URL);
  });

  it("a crisp code decodes on the first try and a blank frame is no code", () => {
    const crisp = faintQr(URL, 0, 255);
    expect(decodeQr(crisp.data, crisp.w, crisp.h)).toBe(URL);
    const blank = new Uint8ClampedArray(100 * 100 * 4).fill(128);
    expect(stretchContrast(blank)).toBeNull();
    expect(decodeQr(blank, 100, 100)).toBeNull();
  });
});
