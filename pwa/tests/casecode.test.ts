import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createHash } from "node:crypto";
import { ALPHABET, checkChar, isValidCode, makeCode, newTraceToken, normalizeCode, parseQr, traceHash, traceUrl } from "../src/lib/casecode";

const vectors = JSON.parse(readFileSync(resolve(__dirname, "../../tests/vectors/casecodes.json"), "utf8")) as {
  alphabet: string;
  valid: { code: string; payload: string; check: string }[];
  invalid: { code: string; kind: string }[];
  normalize: { input: string; normalized: string }[];
};

describe("case code golden vectors", () => {
  it("uses the same alphabet", () => expect(ALPHABET).toBe(vectors.alphabet));
  for (const v of vectors.valid) {
    it(`valid ${v.code}`, () => {
      expect(checkChar(v.payload)).toBe(v.check);
      expect(isValidCode(v.code)).toBe(true);
    });
  }
  for (const v of vectors.invalid) {
    it(`invalid (${v.kind}) ${v.code}`, () => expect(isValidCode(v.code)).toBe(false));
  }
  for (const v of vectors.normalize) {
    it(`normalize ${JSON.stringify(v.input)}`, () => expect(normalizeCode(v.input)).toBe(v.normalized));
  }
});

describe("making codes on the device", () => {
  it("makes valid codes with the county and year", () => {
    for (let i = 0; i < 200; i++) {
      const c = makeCode("330522", 2026);
      expect(c).toMatch(/^JF-330522-2026-[0-9A-HJKMNP-TV-Z]{7}$/);
      expect(isValidCode(c)).toBe(true);
    }
  });
  it("takes the same bits as the server's make_code", () => {
    // n = 0xffffffff >> 2 = all ones in 30 bits -> ZZZZZZ
    expect(makeCode("330522", 2026, new Uint8Array([255, 255, 255, 255]))).toBe(`JF-330522-2026-ZZZZZZ${checkChar("3305222026ZZZZZZ")}`);
    expect(makeCode("330522", 2026, new Uint8Array([0, 0, 0, 4]))).toBe(`JF-330522-2026-000001${checkChar("3305222026000001")}`);
  });
  it("trace token is 128 bits base64url without padding", () => {
    const t = newTraceToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newTraceToken()).not.toBe(t);
  });
  it("trace hash is hex sha256 of the token text", async () => {
    const t = "abcDEF_-0123456789xyzQ";
    expect(await traceHash(t)).toBe(createHash("sha256").update(t, "utf8").digest("hex"));
  });
});

describe("QR content", () => {
  it("case QR is origin/t/code#k=token and parses back", () => {
    const url = traceUrl("http://127.0.0.1:8000/", "JF-330522-2026-7K3M9Q5", "tok_en-1");
    expect(url).toBe("http://127.0.0.1:8000/t/JF-330522-2026-7K3M9Q5#k=tok_en-1");
    expect(parseQr(url)).toEqual({ kind: "case", code: "JF-330522-2026-7K3M9Q5", token: "tok_en-1" });
  });
  it("poster QR sets the village", () => {
    expect(parseQr("https://jiefen.example/?v=330522101201")).toEqual({ kind: "village", village: "330522101201" });
  });
  it("anything else is unknown", () => {
    expect(parseQr("hello").kind).toBe("unknown");
    expect(parseQr("https://x.example/t/JF-1").kind).toBe("unknown");
  });
});
