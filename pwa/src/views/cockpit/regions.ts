/**
 * Which region tables the cockpit shows, from the server's summary alone: a city's or province's
 * view lists its counties (`summary.counties`, names and codes from the server's registry — the
 * PWA keeps no copy of the regions), a city's or narrower view its townships (a province's summary
 * has none: docs/cockpit.md). Risk warnings name a township; a wide view also tells which county it
 * lies in, found among the same county rows.
 */
import type { Risk, Summary, TownFigures } from "./types";

/** The county rows of a wide (city or province) view, in the server's order; empty for a county. */
export function countyRows(s: Summary): TownFigures[] {
  return s.counties.filter((c) => c.region);
}

/** Whether the view has a township table: a county's always (even empty), a wider view when the
 * server sent townships (a city's does, the province's does not). `unplaced` counts the cases in no
 * row of the table that is the view's finest: townships when listed, else counties. */
export function listsTowns(s: Summary): boolean {
  return s.towns.length > 0 || countyRows(s).length === 0;
}

/** The county (name) a township-level warning lies in, when the view lists counties; else null. */
export function countyOf(w: Pick<Risk, "region">, counties: TownFigures[]): string | null {
  if (!w.region) return null;
  const c = counties.find((c) => c.region && c.region.slice(0, 6) === w.region!.slice(0, 6));
  return c ? c.name : null;
}
