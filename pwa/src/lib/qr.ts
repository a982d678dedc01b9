/** Draw a QR code on the device (offline), with qrcode-generator. */
import qrcode from "qrcode-generator";

export function qrMatrix(text: string): boolean[][] {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const n = qr.getModuleCount();
  const rows: boolean[][] = [];
  for (let r = 0; r < n; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < n; c++) row.push(qr.isDark(r, c));
    rows.push(row);
  }
  return rows;
}

/** An SVG path ("M x y h1 v1 h-1 z" per dark module) for crisp display at any size. */
export function qrSvgPath(m: boolean[][]): string {
  let d = "";
  m.forEach((row, y) => row.forEach((dark, x) => dark && (d += `M${x} ${y}h1v1h-1z`)));
  return d;
}

/** Draw the QR with a quiet zone and an optional caption underneath; returns the canvas. */
export function drawQr(canvas: HTMLCanvasElement, text: string, opts: { scale?: number; caption?: string; sub?: string } = {}): HTMLCanvasElement {
  const m = qrMatrix(text);
  const n = m.length;
  const scale = opts.scale ?? 10;
  const quiet = 4 * scale;
  const width = n * scale + quiet * 2;
  const captionH = opts.caption ? scale * 7 + (opts.sub ? scale * 4 : 0) : 0;
  canvas.width = width;
  canvas.height = width + captionH;
  const g = canvas.getContext("2d")!;
  g.fillStyle = "#fff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = "#000";
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (m[y]![x]) g.fillRect(quiet + x * scale, quiet + y * scale, scale, scale);
  if (opts.caption) {
    g.textAlign = "center";
    g.font = `bold ${scale * 3}px sans-serif`;
    g.fillText(opts.caption, width / 2, width + scale * 2);
    if (opts.sub) {
      g.font = `${scale * 2.2}px sans-serif`;
      g.fillText(opts.sub, width / 2, width + scale * 6);
    }
  }
  return canvas;
}

/** Save a canvas as a PNG file (download). */
export function downloadCanvas(canvas: HTMLCanvasElement, filename: string): void {
  const a = document.createElement("a");
  a.download = filename;
  a.href = canvas.toDataURL("image/png");
  document.body.appendChild(a);
  a.click();
  a.remove();
}
