/** The county's towns and villages (GET /api/v1/regions), kept in IndexedDB for offline filing. */
import type { Repo } from "../store/repo";
import type { components } from "../generated/api";
import { request } from "./api";

/** One region of GET /api/v1/regions (population is not kept). */
export type Region = Omit<components["schemas"]["RegionOut"], "population"> & { population?: number };

export async function cachedRegions(repo: Repo): Promise<Region[]> {
  return (await repo.getMeta<Region[]>("regions")) ?? [];
}

export async function refreshRegions(repo: Repo): Promise<Region[]> {
  const list = await request<Region[]>("/api/v1/regions");
  if (Array.isArray(list) && list.length) await repo.setMeta("regions", list);
  return list;
}

function levelOf(r: Region): "county" | "town" | "village" | "unknown" {
  const l = (r.level || "").toLowerCase();
  if (l.includes("village") || l.includes("村") || l === "5") return "village";
  if (l.includes("town") || l.includes("镇") || l.includes("street") || l === "4") return "town";
  if (l.includes("county") || l.includes("县") || l === "3") return "county";
  if (/^\d{12}$/.test(r.code)) {
    if (r.code.endsWith("000000")) return "county";
    if (r.code.endsWith("000")) return "town";
    return "village";
  }
  return "unknown";
}

export function towns(list: Region[]): Region[] {
  return list.filter((r) => levelOf(r) === "town").sort((a, b) => a.code.localeCompare(b.code));
}

export function villagesOf(list: Region[], town: string): Region[] {
  return list
    .filter((r) => levelOf(r) === "village" && (r.parent === town || (!r.parent && r.code.slice(0, 9) === town.slice(0, 9))))
    .sort((a, b) => a.code.localeCompare(b.code));
}

export function townOf(list: Region[], village: string): string | null {
  const v = list.find((r) => r.code === village);
  if (v?.parent) return v.parent;
  const t = list.find((r) => levelOf(r) === "town" && r.code.slice(0, 9) === village.slice(0, 9));
  return t?.code ?? null;
}

export function regionName(list: Region[], code: string | null | undefined): string {
  if (!code) return "";
  const r = list.find((x) => x.code === code);
  if (!r) return code;
  const parent = r.parent ? list.find((x) => x.code === r.parent) : undefined;
  return parent && levelOf(parent) === "town" ? `${parent.name} ${r.name}` : r.name;
}

/** Whether `code` is a village (or community) of this deployment's list. */
export function isVillage(list: Region[], code: string | null | undefined): boolean {
  return !!code && list.some((r) => r.code === code && levelOf(r) === "village");
}
