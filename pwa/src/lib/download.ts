/** Files the server serves only to a signed-in user (posters, the assessment CSV), saved from a blob. */
import { ctx } from "../app/state";
import { ApiError, NetworkError } from "./api";

/**
 * GET `path` with this device's bearer token and save the answer as a download called `name`.
 * Throws NetworkError when no answer came (offline) and ApiError (with the server's `detail` when
 * it sent one) on a 4xx/5xx.
 */
export async function downloadWithToken(path: string, name: string): Promise<void> {
  const token = await ctx.repo.getMeta<string>("token");
  let res: Response;
  try {
    res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    throw new NetworkError(e);
  }
  if (!res.ok) {
    let detail = "";
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? "";
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, detail);
  }
  saveBlob(await res.blob(), name);
}

/** Offer `blob` as a download called `name`; the object URL is freed a minute later (a slow save
 * dialog still has it). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
