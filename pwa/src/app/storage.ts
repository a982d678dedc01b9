/** Ask the browser to keep our data (once, when the first case is filed). */
import { ctx } from "./state";

export async function requestPersist(): Promise<boolean> {
  try {
    if (!navigator.storage?.persist) return false;
    if (await navigator.storage.persisted()) return true;
    const asked = await ctx.repo.getMeta<boolean>("persistAsked");
    if (asked) return false;
    await ctx.repo.setMeta("persistAsked", true);
    return await navigator.storage.persist();
  } catch {
    return false;
  }
}

export async function storageEstimate(): Promise<{ usage: number; quota: number; persisted: boolean } | null> {
  try {
    const est = await navigator.storage?.estimate?.();
    const persisted = (await navigator.storage?.persisted?.()) ?? false;
    return est ? { usage: est.usage ?? 0, quota: est.quota ?? 0, persisted } : null;
  } catch {
    return null;
  }
}
