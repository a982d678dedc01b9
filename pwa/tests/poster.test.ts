/** Poster links and scanned QR codes only bring in villages this deployment serves (issue #10, finding 2). */
import { beforeEach, describe, expect, it } from "vitest";
import { Repo } from "../src/store/repo";
import { parseQr } from "../src/lib/casecode";
import { adoptPosterVillage, posterProblem, recheckVillage } from "../src/lib/poster";

const HERE = "https://jiefen.example";
const REGIONS = [
  { code: "330522000000", name: "长兴县", parent: null, level: "county" },
  { code: "330522001000", name: "雉城街道", parent: "330522000000", level: "town" },
  { code: "330522001008", name: "雉州社区", parent: "330522001000", level: "village" },
];

let n = 0;
let repo: Repo;
beforeEach(async () => {
  repo = await Repo.open(`test-poster-${n++}`);
  await repo.setMeta("regions", REGIONS);
  posterProblem.value = null;
});

describe("scanned QR codes", () => {
  it("a poster or case QR of another deployment is foreign, never taken", () => {
    expect(parseQr("https://other-county.example/?v=330523001001", HERE)).toEqual({ kind: "foreign", host: "other-county.example" });
    expect(parseQr("https://other-county.example/t/JF-330523-2026-7K3M9Q5#k=x", HERE).kind).toBe("foreign");
    expect(parseQr(`${HERE}/?v=330522001008`, HERE)).toEqual({ kind: "village", village: "330522001008" });
    expect(parseQr("not a url", HERE).kind).toBe("unknown");
  });
});

describe("poster villages", () => {
  it("takes a village of the list", async () => {
    expect(await adoptPosterVillage(repo, "330522001008")).toBe(true);
    expect(await repo.getMeta("village")).toBe("330522001008");
    expect(posterProblem.value).toBeNull();
  });
  it.each(["999999999999", "110101001001", "330522001000", "330522000000", "abc", ""])("refuses %j and says why", async (code) => {
    expect(await adoptPosterVillage(repo, code)).toBe(false);
    expect(await repo.getMeta("village")).toBeUndefined();
    expect(posterProblem.value).toEqual({ village: code });
  });
  it("a village kept offline before the list came is dropped once the list does not have it", async () => {
    await repo.setMeta("village", "999999999999");
    expect(await recheckVillage(repo)).toBeNull();
    expect(posterProblem.value).toEqual({ village: "999999999999" });
    await repo.setMeta("village", "330522001008");
    expect(await recheckVillage(repo)).toBe("330522001008");
  });
});
