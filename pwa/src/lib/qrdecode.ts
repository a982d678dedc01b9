/**
 * Read a QR code from pixels (offline, with jsQR), retrying a faint image with its contrast stretched.
 *
 * A worn poster photographed in shade is grey on grey: jsQR's binariser treats a block whose
 * brightness spans fewer than 24 levels as blank, so the code is never found. Stretching the image's
 * own brightness range (2nd–98th percentile → 0–255) restores the difference between modules;
 * inverted codes (light on dark) are tried too.
 */
import jsQR from "jsqr";

/** Decoded text, or null. ``data`` is RGBA (as from ``getImageData``). */
export function decodeQr(data: Uint8ClampedArray, width: number, height: number): string | null {
  const first = jsQR(data, width, height, { inversionAttempts: "attemptBoth" });
  if (first) return first.data;
  const stretched = stretchContrast(data);
  if (!stretched) return null;
  return jsQR(stretched, width, height, { inversionAttempts: "attemptBoth" })?.data ?? null;
}

/** A grey copy with the luminance range stretched to 0–255; null when the image is flat. */
export function stretchContrast(data: Uint8ClampedArray, lowPct = 0.02, highPct = 0.98): Uint8ClampedArray | null {
  const n = data.length >> 2;
  if (!n) return null;
  const luma = new Uint8Array(n);
  const hist = new Uint32Array(256);
  for (let i = 0; i < n; i++) {
    const o = i << 2;
    // Rec. 601 weights in integers: (77 R + 150 G + 29 B) / 256
    const y = (77 * data[o]! + 150 * data[o + 1]! + 29 * data[o + 2]!) >> 8;
    luma[i] = y;
    hist[y]!++;
  }
  const lo = percentile(hist, n * lowPct);
  const hi = percentile(hist, n * highPct);
  if (hi - lo < 2) return null; // nothing to stretch: a blank frame
  const scale = 255 / (hi - lo);
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < n; i++) {
    const v = (luma[i]! - lo) * scale; // Uint8ClampedArray clamps below 0 and above 255
    const o = i << 2;
    out[o] = out[o + 1] = out[o + 2] = v;
    out[o + 3] = 255;
  }
  return out;
}

function percentile(hist: Uint32Array, rank: number): number {
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen > rank) return v;
  }
  return 255;
}
