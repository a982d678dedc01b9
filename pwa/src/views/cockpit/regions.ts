/**
 * Which region tables the cockpit shows, from the server's summary alone: a province's view lists
 * its cities (`summary.cities`), a city's or province's its counties (`summary.counties`; names and
 * codes from the server's registry — the PWA keeps no copy of the regions), a city's or narrower
 * view its townships (a province's summary has none: docs/cockpit.md). Risk warnings name a
 * township; a wide view also tells which city and county it lies in, found among the same rows.
 *
 * Drilling down (province → city → county) keeps the regions opened as a path; summary, trend and
 * risks are all asked for the last one (`cockpitUrls`), so the risk list follows the view.
 */
import type { Risk, Summary, TownFigures } from "./types";

/** The city rows of a province's view, in the server's order; empty for a city or narrower. */
export function cityRows(s: Summary): TownFigures[] {
  return s.cities.filter((c) => c.region);
}

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

/** The city (name) a township-level warning lies in, when the view lists cities; else null. */
export function cityOf(w: Pick<Risk, "region">, cities: TownFigures[]): string | null {
  if (!w.region) return null;
  const c = cities.find((c) => c.region && c.region.slice(0, 4) === w.region!.slice(0, 4));
  return c ? c.name : null;
}

/** Where a warning lies above its township, as the view lists it: ``湖州市 · 长兴县 · `` or "". */
export function placeOf(w: Pick<Risk, "region">, cities: TownFigures[], counties: TownFigures[]): string {
  return [cityOf(w, cities), countyOf(w, counties)]
    .filter((n): n is string => n !== null)
    .map((n) => `${n} · `)
    .join("");
}

/** The regions opened from the whole view, widest first; the view shown is the last (none: the whole). */
export type Path = readonly string[];

/** The path after opening ``region`` from the current view (a city's or county's row). */
export function openRegion(path: Path, region: string): Path {
  return path[path.length - 1] === region ? path : [...path, region];
}

/** The path one level up (the whole view stays the whole view). */
export function upOne(path: Path): Path {
  return path.slice(0, -1);
}

/** The region shown: the last one opened, or null for the caller's whole view. */
export function shown(path: Path): string | null {
  return path[path.length - 1] ?? null;
}

/** The three requests of one view: summary (with the period), 12-month trend and risks, each
 * narrowed to ``region`` when one is opened — the risk list follows the view. */
export function cockpitUrls(from: string, to: string, region: string | null): { summary: string; trend: string; risks: string } {
  const q = new URLSearchParams();
  if (from) q.set("from", from);
  if (to) q.set("to", to);
  if (region) q.set("region", region);
  const t = new URLSearchParams({ months: "12" });
  if (region) t.set("region", region);
  const r = new URLSearchParams();
  if (region) r.set("region", region);
  const qs = (p: URLSearchParams) => (p.toString() ? `?${p.toString()}` : "");
  return {
    summary: `/api/v1/cockpit/summary${qs(q)}`,
    trend: `/api/v1/cockpit/trend${qs(t)}`,
    risks: `/api/v1/cockpit/risks${qs(r)}`,
  };
}
