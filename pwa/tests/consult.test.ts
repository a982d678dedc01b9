import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import model from "virtual:jiefen-model";
import { BUNDLED, TERMS, answerLocally, type ConsultAnswer } from "../src/lib/consult";
import { categorize, compileModel } from "../src/lib/linearModel";

interface Vector {
  text: string;
  region: string | null;
  answer: Omit<ConsultAnswer, "confidence" | "matched" | "offline">;
}

// The server's answers (tests/vectors/consult.json, pinned by tests/test_consult.py): offline the
// phone must say the same, given the same responsible organisation from its kept directory.
const vectors = JSON.parse(readFileSync(resolve(__dirname, "../../tests/vectors/consult.json"), "utf8")) as Vector[];

describe("智能咨询 offline", () => {
  it("bundles guidance for all 25 categories", () => expect(Object.keys(BUNDLED.categories)).toHaveLength(25));
  for (const v of vectors) {
    it(`answers “${v.text}” as the server does`, () => {
      const picked = categorize(v.text, TERMS, compileModel(model));
      const got = answerLocally(BUNDLED, v.text, v.region, v.answer.organisation, picked);
      const { confidence, matched, offline, ...rest } = got;
      expect(offline).toBe(true);
      expect(confidence).toBe(0);
      expect(Array.isArray(matched)).toBe(true);
      expect(rest).toEqual(v.answer);
    });
  }
});
