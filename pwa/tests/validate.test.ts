import { describe, expect, it } from "vitest";
import { amountProblem, lengthState, normalizePhone, phoneProblem } from "../src/lib/validate";

describe("input checks (issue #10 finding 6: visible, never a silent change)", () => {
  it("phones: mainland mobile or landline, else a message; letters are never stripped", () => {
    for (const ok of ["13812345678", "+86-13800000000", "0572-6021234", "057226021234", "010-12345678", "139-0572-8866", "+86-139-0572-8866", "138 1234 5678", ""]) {
      expect(phoneProblem(ok), ok).toBeNull();
    }
    for (const bad of ["139abc1234x", "1391234", "12812345678", "0572-602", "138123456789", "电话", "+1-2025550123"]) {
      expect(phoneProblem(bad), bad).toBe("phone_invalid");
    }
    expect(normalizePhone(" 138 1234 5678 ")).toBe("13812345678");
    expect(normalizePhone("139abc1234x")).toBe("139abc1234x"); // nothing silently removed
  });

  it("amounts: empty or ≥ 0, with a message for negatives and nonsense", () => {
    expect(amountProblem("")).toBeNull();
    expect(amountProblem("0")).toBeNull();
    expect(amountProblem("1250.5")).toBeNull();
    expect(amountProblem("-5")).toBe("amount_negative");
    expect(amountProblem("abc")).toBe("amount_invalid");
    expect(amountProblem("1e309")).toBe("amount_invalid");
  });

  it("length: a counter near the limit, an error past it (no truncation)", () => {
    expect(lengthState("a".repeat(3999), 5000)).toEqual({ n: 3999, near: false, over: false });
    expect(lengthState("a".repeat(4000), 5000).near).toBe(true);
    expect(lengthState("字".repeat(5001), 5000).over).toBe(true);
    expect(lengthState("😀".repeat(10), 10)).toEqual({ n: 10, near: true, over: false });
  });
});
