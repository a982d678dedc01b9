/**
 * Resumable, chunked upload of evidence blobs (docs/blobs.md): HEAD → `Upload-Offset`, then PUT
 * chunks ≤ 256 KiB, each with `Upload-Offset` and `Upload-Length` (the server needs the total to
 * know the last chunk). Plain `fetch`, so the service worker's Background Sync can run it too.
 */
import type { Repo } from "../store/repo";
import type { BlobRow } from "../store/db";
import { guardQuota } from "../store/db";
import { NetworkError } from "../lib/api";
import { toHex } from "../lib/casecode";

export const CHUNK = 256 * 1024;

export async function sha256Hex(data: Blob | ArrayBuffer): Promise<string> {
  const buf = data instanceof ArrayBuffer ? data : await data.arrayBuffer();
  return toHex(await crypto.subtle.digest("SHA-256", buf));
}

/** Queue a blob for upload; returns its sha256 hex (the value of the `evidence` set element). */
export async function queueBlob(repo: Repo, data: Blob, caseKey: string | null): Promise<string> {
  const sha = await sha256Hex(data);
  const row: BlobRow = { sha, type: data.type || "image/jpeg", size: data.size, data, case: caseKey, done: false };
  await guardQuota(() => repo.db.put("blobs", row));
  return sha;
}

export async function pendingBlobs(repo: Repo): Promise<BlobRow[]> {
  return (await repo.db.getAll("blobs")).filter((b) => !b.done && !b.refused);
}

/** The server refused the file for good (type, size, content): retrying the same bytes cannot help. */
export class BlobRefused extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail || `HTTP ${status}`);
    this.name = "BlobRefused";
  }
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new NetworkError(e);
  }
}

async function detail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { detail?: unknown };
    return typeof body.detail === "string" ? body.detail : "";
  } catch {
    return "";
  }
}

function offsetOf(res: Response): number | null {
  const n = parseInt(res.headers.get("Upload-Offset") ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** How many bytes the server holds (0 when it has none). */
async function serverOffset(url: string, auth: Record<string, string>): Promise<number> {
  const head = await send(url, { method: "HEAD", headers: auth });
  if (head.status === 404) return 0;
  if (!head.ok) throw new BlobRefused(head.status, "");
  return offsetOf(head) ?? 0;
}

/**
 * Upload one blob from where the server left off (so a cut connection costs at most one chunk).
 * Returns true when the server has the whole file. Throws NetworkError (try again later, same
 * place) or BlobRefused (4xx other than an offset mismatch).
 */
export async function uploadBlob(row: BlobRow, token: string, chunkSize = CHUNK): Promise<boolean> {
  const url = `/api/v1/blobs/${row.sha}`;
  const auth = { Authorization: `Bearer ${token}` };
  let offset = await serverOffset(url, auth);
  let restarts = 0;
  while (offset < row.size) {
    const chunk = row.data.slice(offset, Math.min(offset + chunkSize, row.size));
    const res = await send(url, {
      method: "PUT",
      headers: { ...auth, "Upload-Offset": String(offset), "Upload-Length": String(row.size), "Content-Type": row.type },
      body: chunk,
    });
    if (res.status === 201 || res.status === 200) return true;
    if (res.status === 204) {
      offset = offsetOf(res) ?? offset + chunk.size;
      continue;
    }
    if (res.status === 409) {
      // the server holds another amount (an earlier chunk did arrive, or a racing upload): follow it
      offset = offsetOf(res) ?? (await serverOffset(url, auth));
      continue;
    }
    if (res.status === 422 && restarts++ === 0) {
      offset = 0; // the server discarded a corrupt partial file: once more from the start
      continue;
    }
    throw new BlobRefused(res.status, await detail(res));
  }
  return true;
}

/** Answers after which sending the same bytes again cannot succeed. */
const FINAL = new Set([400, 413, 415, 422]);

/** Upload every pending blob. A blob refused for good keeps the server's reason and is not sent
 * again (it would cost the phone's data on every sync); other failures are retried next round. */
export async function uploadPending(repo: Repo, token: string): Promise<void> {
  for (const row of await pendingBlobs(repo)) {
    try {
      if (await uploadBlob(row, token)) {
        await repo.db.put("blobs", { ...row, done: true, error: undefined });
      }
    } catch (e) {
      if (e instanceof NetworkError) throw e;
      const refused = e instanceof BlobRefused && FINAL.has(e.status);
      await repo.db.put("blobs", { ...row, error: String((e as Error).message ?? e), refused });
    }
  }
}
