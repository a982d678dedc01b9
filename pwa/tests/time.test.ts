import { describe, expect, it } from "vitest";
import { fmtTime } from "../src/ui";

describe("fmtTime", () => {
  it("shows China time whatever the phone's zone", () => {
    // 23:59:59 Shanghai on 30 Nov 2026 is 15:59:59 UTC: the deadline reads as the end of that day.
    expect(fmtTime("2026-11-30T23:59:59+08:00")).toBe("2026-11-30 23:59");
    expect(fmtTime("2026-11-30T15:59:59Z")).toBe("2026-11-30 23:59");
    expect(fmtTime(Date.UTC(2026, 11, 31, 16, 30))).toBe("2027-01-01 00:30");
  });
  it("is empty for anything that is not a time", () => {
    expect(fmtTime(undefined)).toBe("");
    expect(fmtTime("soon")).toBe("");
  });
});
