/** Checks the production build when there is one (run `npm run build` first): precache list and size budget. */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";

const dist = resolve(__dirname, "../dist");
const has = existsSync(resolve(dist, "sw.js")) && existsSync(resolve(dist, "index.html"));

describe.skipIf(!has)("production build (dist/)", () => {
  const sw = has ? readFileSync(resolve(dist, "sw.js"), "utf8") : "";
  const html = has ? readFileSync(resolve(dist, "index.html"), "utf8") : "";
  it("precaches the app shell, manifest and icons", () => {
    for (const url of ["index.html", "manifest.webmanifest", "icons/icon-192.png", "icons/maskable-512.png"]) expect(sw).toContain(`"${url}"`);
    for (const m of html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)) expect(sw).toContain(`"${m[1]}"`);
  });
  it("keeps the shell (what index.html loads) under 150 KB gzip", () => {
    let total = gzipSync(html).length;
    for (const m of html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)) total += gzipSync(readFileSync(resolve(dist, m[1]!))).length;
    expect(total).toBeLessThan(150 * 1024);
  });
  it("loads the QR decoder only on the scan route", () => {
    const assets = readdirSync(resolve(dist, "assets"));
    // jsQR is bundled into the decoder chunk (src/lib/qrdecode.ts, contrast stretching around it)
    expect(assets.some((f) => /^(jsQR|qrdecode)-.*\.js$/.test(f))).toBe(true);
    expect(html).not.toMatch(/jsQR|qrdecode/);
  });
  it("has an installable manifest", () => {
    const m = JSON.parse(readFileSync(resolve(dist, "manifest.webmanifest"), "utf8")) as { name: string; lang: string; icons: { purpose?: string }[] };
    expect(m.name).toBe("解纷");
    expect(m.lang).toBe("zh-CN");
    expect(m.icons.some((i) => i.purpose === "maskable")).toBe(true);
  });
});
