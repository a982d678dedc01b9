/**
 * Case codes and trace tokens (DESIGN.md §3, §6), made on the device while offline.
 * Mirrors server/casecode.py; tests/vectors/casecodes.json pins both.
 */
export const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const N = ALPHABET.length;
const CODE_RE = /^JF-(\d{6})-(\d{4})-([0-9A-HJKMNP-TV-Z]{6})([0-9A-HJKMNP-TV-Z])$/;

function luhnSum(symbols: string, doubleFirst: boolean): number {
  let total = 0;
  let double = doubleFirst;
  for (let i = symbols.length - 1; i >= 0; i--) {
    let addend = ALPHABET.indexOf(symbols[i]!);
    if (addend < 0) throw new Error(`not a Crockford base32 character: ${symbols[i]}`);
    if (double) {
      addend *= 2;
      addend = Math.floor(addend / N) + (addend % N);
    }
    total += addend;
    double = !double;
  }
  return total;
}

/** Luhn mod 32 check character of e.g. "33052220267K3M9Q". */
export function checkChar(payload: string): string {
  return ALPHABET[(N - (luhnSum(payload, true) % N)) % N]!;
}

export function isValidCode(code: string): boolean {
  const m = CODE_RE.exec(code);
  if (!m) return false;
  try {
    return luhnSum(`${m[1]}${m[2]}${m[3]}${m[4]}`, false) % N === 0;
  } catch {
    return false;
  }
}

/** Canonical form of a code a person typed or read out (may still be invalid). */
export function normalizeCode(code: string): string {
  let s = code.normalize("NFKC").toUpperCase();
  s = s.replace(/[\s\-‐‑‒–—―]+/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  if (s.length === 2 + 6 + 4 + 6 + 1 && s.startsWith("JF")) {
    return `JF-${s.slice(2, 8)}-${s.slice(8, 12)}-${s.slice(12)}`;
  }
  return s;
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}

/** A new case code; `rand` (≥ 4 bytes) makes it deterministic (same bits as the server's make_code). */
export function makeCode(county: string, year: number, rand: Uint8Array = randomBytes(4)): string {
  if (!/^\d{6}$/.test(county)) throw new Error(`county code must be 6 digits: ${county}`);
  const y = String(year).padStart(4, "0");
  const n = (((rand[0]! << 24) >>> 0) + (rand[1]! << 16) + (rand[2]! << 8) + rand[3]!) >>> 2;
  let body = "";
  for (let i = 5; i >= 0; i--) body += ALPHABET[Math.floor(n / 2 ** (5 * i)) & 31];
  return `JF-${county}-${y}-${body}${checkChar(`${county}${y}${body}`)}`;
}

export function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** 128 random bits, base64url without padding: the secret inside a case's QR. */
export function newTraceToken(): string {
  return base64url(randomBytes(16));
}

export function toHex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex SHA-256 of the token's UTF-8 text (needs a secure context: https or 127.0.0.1). */
export async function traceHash(token: string): Promise<string> {
  if (!globalThis.crypto?.subtle) throw new Error("crypto.subtle unavailable (not a secure context)");
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

export function traceUrl(origin: string, code: string, token: string): string {
  return `${origin.replace(/\/+$/, "")}/t/${code}#k=${token}`;
}

export type ScanResult =
  | { kind: "case"; code: string; token: string }
  | { kind: "village"; village: string }
  | { kind: "foreign"; host: string }
  | { kind: "unknown"; text: string };

/** What a scanned QR means: a case QR `/t/{code}#k=`, a poster QR `/?v=`, or something else.
 * With `here` (this app's origin), a case or poster QR of another deployment is `foreign`: its cases
 * and villages are served there, not here. */
export function parseQr(text: string, here?: string): ScanResult {
  const r = parseQrText(text);
  if (here && r.kind !== "unknown") {
    const origin = new URL(text.trim()).origin;
    if (origin !== here) return { kind: "foreign", host: new URL(text.trim()).host };
  }
  return r;
}

function parseQrText(text: string): ScanResult {
  const raw = text.trim();
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (url) {
    const m = /\/t\/([^/?#]+)\/?$/.exec(url.pathname);
    const k = new URLSearchParams(url.hash.replace(/^#/, "")).get("k");
    if (m && k) return { kind: "case", code: normalizeCode(decodeURIComponent(m[1]!)), token: k };
    const v = url.searchParams.get("v");
    if (v && /^\d{6,12}$/.test(v)) return { kind: "village", village: v };
  }
  return { kind: "unknown", text: raw };
}

export function countyOf(region: string): string {
  return region.slice(0, 6);
}
