/**
 * A village poster's QR opens the app at `/?v={village code}` and pre-fills the village. Only a
 * village of this deployment's list (GET /api/v1/regions) is taken: a poster of another county, or
 * a made-up code, would file cases the server refuses, so the app says so at once instead.
 */
import type { Repo } from "../store/repo";
import { signal } from "./signal";
import { cachedRegions, isVillage, refreshRegions } from "./regions";

/** Why the last poster's village was not taken (the code it carried), shown on the home page. */
export const posterProblem = signal<{ village: string } | null>(null);

/** Take `code` as this device's village if the list has it; returns whether it was taken. Offline
 * with no list yet, the code is kept and checked again once the list arrives (`recheckVillage`). */
export async function adoptPosterVillage(repo: Repo, code: string): Promise<boolean> {
  if (!/^\d{12}$/.test(code)) {
    posterProblem.value = { village: code };
    return false;
  }
  let list = await cachedRegions(repo);
  if (!list.length) list = await refreshRegions(repo).catch(() => []);
  if (list.length && !isVillage(list, code)) {
    posterProblem.value = { village: code };
    return false;
  }
  posterProblem.value = null;
  await repo.setMeta("village", code);
  return true;
}

/** Drop a remembered village the list does not have (e.g. kept while offline); returns the village kept. */
export async function recheckVillage(repo: Repo): Promise<string | null> {
  const code = (await repo.getMeta<string>("village")) ?? null;
  const list = await cachedRegions(repo);
  if (!code || !list.length || isVillage(list, code)) return code;
  posterProblem.value = { village: code };
  await repo.setMeta("village", null);
  return null;
}
