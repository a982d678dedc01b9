/**
 * Which region tables the cockpit shows, from the server's summary alone: a city's or province's
 * view lists its counties (`summary.counties`, names and codes from the server's registry — the
 * PWA keeps no copy of the regions), every view its townships. Risk warnings name a township; a
 * wide view also tells which county it lies in, found among the same county rows.
 */
import type { Risk, Summary, TownFigures } from "./types";

/** The county rows of a wide (city or province) view, in the server's order; empty for a county. */
export function countyRows(s: Summary): TownFigures[] {
  return s.counties.filter((c) => c.region);
}

/** The county (name) a township-level warning lies in, when the view lists counties; else null. */
export function countyOf(w: Pick<Risk, "region">, counties: TownFigures[]): string | null {
  if (!w.region) return null;
  const c = counties.find((c) => c.region && c.region.slice(0, 6) === w.region!.slice(0, 6));
  return c ? c.name : null;
}
