/** The cockpit's region tables come from the server's summary: counties for a city or province. */
import { describe, expect, it } from "vitest";
import { countyOf, countyRows, listsTowns } from "../src/views/cockpit/regions";
import type { Summary, TownFigures } from "../src/views/cockpit/types";

function row(region: string, name: string, total: number): TownFigures {
  return {
    region,
    name,
    population: 600000,
    total,
    mediated: 0,
    first_mediation_rate: null,
    success: 0,
    failure: 0,
    mediation_success_rate: null,
    closed: 0,
    settled: 0,
    settle_withdraw_rate: null,
    litigation: 0,
    litigation_per_10k: null,
    open: total,
  };
}

function summary(counties: TownFigures[], towns: TownFigures[]): Summary {
  return {
    from: "2026-01-01",
    to: "2026-11-30",
    scope: row("330500000000", "湖州市", 3),
    counties,
    towns,
    unplaced: 0,
    population_note: "",
    generated_at: "2026-11-30T00:00:00Z",
  };
}

// Names as a test server would send them: the PWA holds no list of its own.
const DQ = row("330521000000", "德清县", 1);
const CX = row("330522000000", "长兴县", 2);

describe("county rows", () => {
  it("lists each county the server sent, in its order, for a city view", () => {
    const s = summary([DQ, CX], [row("330521001000", "武康街道", 1), row("330522001000", "雉城街道", 2)]);
    expect(countyRows(s).map((c) => [c.name, c.total])).toEqual([
      ["德清县", 1],
      ["长兴县", 2],
    ]);
  });

  it("shows no county table for a county's own view", () => {
    expect(countyRows(summary([], [row("330522001000", "雉城街道", 2)]))).toEqual([]);
  });

  it("has a township table for a county and a city, none for the province (counties only)", () => {
    expect(listsTowns(summary([], [row("330522001000", "雉城街道", 2)]))).toBe(true);
    expect(listsTowns(summary([], []))).toBe(true); // a county without townships still shows its (empty) table
    expect(listsTowns(summary([DQ, CX], [row("330521001000", "武康街道", 1)]))).toBe(true);
    expect(listsTowns(summary([DQ, CX], []))).toBe(false);
  });

  it("places a township's warning in its county, only when the view lists counties", () => {
    expect(countyOf({ region: "330521001000" }, [DQ, CX])).toBe("德清县");
    expect(countyOf({ region: "330522103000" }, [DQ, CX])).toBe("长兴县");
    expect(countyOf({ region: "330522103000" }, [])).toBeNull();
    expect(countyOf({ region: null }, [DQ, CX])).toBeNull();
  });
});
