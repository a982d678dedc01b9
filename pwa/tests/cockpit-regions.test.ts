/** The cockpit's region tables come from the server's summary: cities for the province, counties for
 * a city or province; drilling down keeps a path, and every request (risks too) follows its end. */
import { describe, expect, it } from "vitest";
import { cityOf, cityRows, cockpitUrls, countyOf, countyRows, listsTowns, openRegion, placeOf, shown, upOne } from "../src/views/cockpit/regions";
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

function summary(counties: TownFigures[], towns: TownFigures[], cities: TownFigures[] = []): Summary {
  return {
    from: "2026-01-01",
    to: "2026-11-30",
    scope: row("330500000000", "湖州市", 3),
    cities,
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

// As a province's summary would send them.
const HZ = row("330100000000", "杭州市", 4);
const HU = row("330500000000", "湖州市", 3);

describe("city rows", () => {
  it("lists each city the server sent, for the province's view only", () => {
    expect(cityRows(summary([DQ, CX], [], [HZ, HU])).map((c) => [c.name, c.total])).toEqual([
      ["杭州市", 4],
      ["湖州市", 3],
    ]);
    expect(cityRows(summary([DQ, CX], [row("330521001000", "武康街道", 1)]))).toEqual([]);
  });

  it("places a warning in its city and county as far as the view lists them", () => {
    expect(cityOf({ region: "330521001000" }, [HZ, HU])).toBe("湖州市");
    expect(cityOf({ region: "330102001000" }, [HZ, HU])).toBe("杭州市");
    expect(cityOf({ region: "330102001000" }, [])).toBeNull();
    expect(placeOf({ region: "330521001000" }, [HZ, HU], [DQ, CX])).toBe("湖州市 · 德清县 · ");
    expect(placeOf({ region: "330521001000" }, [], [DQ, CX])).toBe("德清县 · ");
    expect(placeOf({ region: "330521001000" }, [], [])).toBe("");
    expect(placeOf({ region: null }, [HZ, HU], [DQ, CX])).toBe("");
  });
});

describe("drilling down", () => {
  it("opens a city, then one of its counties, and goes back one level at a time", () => {
    const city = openRegion([], "330500000000");
    const county = openRegion(city, "330521000000");
    expect(county).toEqual(["330500000000", "330521000000"]);
    expect(shown(county)).toBe("330521000000");
    expect(openRegion(county, "330521000000")).toEqual(county); // a second tap changes nothing
    expect(shown(upOne(county))).toBe("330500000000");
    expect(shown(upOne(upOne(county)))).toBeNull();
    expect(upOne([])).toEqual([]);
  });

  it("asks summary, trend and risks for the region shown", () => {
    expect(cockpitUrls("", "", null)).toEqual({
      summary: "/api/v1/cockpit/summary",
      trend: "/api/v1/cockpit/trend?months=12",
      risks: "/api/v1/cockpit/risks",
    });
    const u = cockpitUrls("2026-01-01", "2026-11-30", "330521000000");
    expect(u.summary).toBe("/api/v1/cockpit/summary?from=2026-01-01&to=2026-11-30&region=330521000000");
    expect(u.trend).toBe("/api/v1/cockpit/trend?months=12&region=330521000000");
    expect(u.risks).toBe("/api/v1/cockpit/risks?region=330521000000");
  });
});
