import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { materializeAll, canonicalJson, cmpCodePoint } from "../src/sync/merge";
import type { Op } from "../src/sync/types";

const DIR = resolve(__dirname, "../../tests/vectors");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json") && f !== "casecodes.json").sort();

interface Vector {
  name: string;
  description?: string;
  ops: Op[];
  expected: Record<string, unknown>;
}

/** A small seeded generator (mulberry32) so failures are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffledWithDuplicates(ops: Op[], seed: number): Op[] {
  const r = rng(seed);
  const out = [...ops, ...ops.filter(() => r() < 0.5)];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("sync vectors (tests/vectors)", () => {
  it("finds vectors", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    const v = JSON.parse(readFileSync(resolve(DIR, f), "utf8")) as Vector;
    if (!Array.isArray(v.ops) || !v.expected) continue;
    describe(`${f}: ${v.name}`, () => {
      it("given order", () => expect(materializeAll(v.ops)).toEqual(v.expected));
      it("reversed", () => expect(materializeAll([...v.ops].reverse())).toEqual(v.expected));
      for (const seed of [1, 2, 3, 42, 1234]) {
        it(`shuffled with duplicates (seed ${seed})`, () => expect(materializeAll(shuffledWithDuplicates(v.ops, seed))).toEqual(v.expected));
      }
    });
  }
});

describe("merge helpers", () => {
  it("canonical JSON sorts keys and keeps non-ASCII", () => {
    expect(canonicalJson({ b: 1, a: ["调解", { d: null, c: true }] })).toBe('{"a":["调解",{"c":true,"d":null}],"b":1}');
  });
  it("compares by code point", () => {
    expect(cmpCodePoint("ｆ", "😀")).toBeLessThan(0);
    expect("ｆ" < "😀").toBe(false); // UTF-16 order differs: why cmpCodePoint exists
    expect(cmpCodePoint("a", "ab")).toBeLessThan(0);
  });
  it("remove without seen removes only older adds", () => {
    const base = { entity: "case", key: "K", field: "tags" } as const;
    const ops: Op[] = [
      { ...base, id: "a:1", ts: "000000000000001:0000:a", kind: "add", value: "x" },
      { ...base, id: "b:1", ts: "000000000000002:0000:b", kind: "remove", value: "x" },
      { ...base, id: "a:2", ts: "000000000000003:0000:a", kind: "add", value: "y" },
      { ...base, id: "b:2", ts: "000000000000002:0001:b", kind: "remove", value: "z" },
    ];
    expect(materializeAll(ops)).toEqual({ "case/K": { tags: ["y"] } });
  });
});
