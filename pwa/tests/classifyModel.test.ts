import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import rules from "virtual:jiefen-rules";
import model from "virtual:jiefen-model";
import categories from "virtual:jiefen-categories";
import { compileRules, keywordScores } from "../src/lib/classify";
import { ngrams } from "../src/lib/textfeatures";
import { categorize, compileModel } from "../src/lib/linearModel";
import { askWords } from "../src/views/AskCategory";

interface Case {
  text: string;
  ngram_count: number;
  ngrams: string[];
  keyword_scores: Record<string, number>;
  category: string;
  confidence: number;
  unsure: boolean;
  candidates: [string, number][];
  matched: string[];
  evidence: string[];
}
const vectors = JSON.parse(readFileSync(resolve(__dirname, "../../tests/vectors/classify_model.json"), "utf8")) as {
  model_version: string;
  rules_version: string;
  cases: Case[];
};
const terms = compileRules(rules);
const m = compileModel(model);
const byCodePoint = (a: string, b: string) => {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

describe("category model shared vectors (server/routing ↔ PWA)", () => {
  it("bundles the model the vectors were made with", () => expect(m.version).toBe(vectors.model_version));
  for (const v of vectors.cases) {
    const label = JSON.stringify(v.text.slice(0, 24));
    it(`n-grams of ${label}`, () => {
      const grams = [...ngrams(v.text)].sort(byCodePoint);
      expect(grams.length).toBe(v.ngram_count);
      expect(grams.slice(0, 60)).toEqual(v.ngrams);
    });
    it(`keyword scores of ${label}`, () => {
      const got = Object.fromEntries([...keywordScores(v.text, terms).scores].map(([k, s]) => [k, Math.round(s * 1e6) / 1e6]));
      expect(got).toEqual(v.keyword_scores);
    });
    it(`decision for ${label}`, () => {
      const d = categorize(v.text, terms, m);
      expect(d.category).toBe(v.category);
      expect(d.unsure).toBe(v.unsure);
      expect(d.confidence).toBeCloseTo(v.confidence, 3);
      expect(d.candidates.map(([c]) => c)).toEqual(v.candidates.map(([c]) => c));
      d.candidates.forEach(([, p], i) => expect(p).toBeCloseTo(v.candidates[i]![1], 3));
      expect(d.matched).toEqual(v.matched);
      expect(d.evidence).toEqual(v.evidence);
    });
  }
});

describe("asking when unsure", () => {
  it("offers two or three categories in plain words for a vague text", () => {
    const d = categorize("我们村那个事情", terms, m);
    expect(d.unsure).toBe(true);
    expect(d.candidates.length).toBeGreaterThanOrEqual(2);
    expect(d.candidates.length).toBeLessThanOrEqual(3);
    for (const [c] of d.candidates) expect(askWords(c, "zh")).not.toBe(c);
  });
  it("does not ask for a clear text", () => {
    const d = categorize("老板欠了三个月工资不给", terms, m);
    expect(d).toMatchObject({ category: "wage_arrears", unsure: false });
    expect(d.candidates).toHaveLength(1);
  });
  it("has plain words for every category in both languages", () => {
    for (const c of categories.categories) {
      expect(c.ask_zh?.length).toBeGreaterThan(1);
      expect(c.ask_en?.length).toBeGreaterThan(1);
    }
    expect(askWords("wage_arrears", "zh")).toBe("工资没拿到");
  });
});
