/** Resumable, chunked upload of evidence blobs (HEAD → Upload-Offset, PUT chunks ≤ 256 KiB). */
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
  return (await repo.db.getAll("blobs")).filter((b) => !b.done);
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new NetworkError(e);
  }
}

/** Upload one blob from where the server left off. Returns true when the server has it all. */
export async function uploadBlob(row: BlobRow, token: string, fetchChunk = CHUNK): Promise<boolean> {
  const url = `/api/v1/blobs/${row.sha}`;
  const auth = { Authorization: `Bearer ${token}` };
  let offset = 0;
  const head = await send(url, { method: "HEAD", headers: auth });
  if (head.ok) {
    offset = parseInt(head.headers.get("Upload-Offset") ?? "0", 10) || 0;
    if (offset >= row.size) return true;
  } else if (head.status !== 404) {
    throw new Error(`HEAD ${head.status}`);
  }
  while (offset < row.size) {
    const chunk = row.data.slice(offset, Math.min(offset + fetchChunk, row.size));
    const res = await send(url, {
      method: "PUT",
      // the server needs the total to know the last chunk (docs/blobs.md); w-i10b reworks this path
      headers: { ...auth, "Upload-Offset": String(offset), "Upload-Length": String(row.size), "Content-Type": row.type },
      body: chunk,
    });
    if (res.status === 201) return true;
    if (res.status === 204) {
      const next = parseInt(res.headers.get("Upload-Offset") ?? "", 10);
      offset = Number.isFinite(next) ? next : offset + chunk.size;
      continue;
    }
    if (res.status === 409) {
      // offset mismatch: ask again where the server is
      const h = await send(url, { method: "HEAD", headers: auth });
      offset = h.ok ? parseInt(h.headers.get("Upload-Offset") ?? "0", 10) || 0 : 0;
      continue;
    }
    throw new Error(`PUT ${res.status}`);
  }
  return true;
}

/** Upload every pending blob; a failing blob is left for the next round. */
export async function uploadPending(repo: Repo, token: string): Promise<void> {
  for (const row of await pendingBlobs(repo)) {
    try {
      if (await uploadBlob(row, token)) {
        await repo.db.put("blobs", { ...row, done: true, error: undefined });
      }
    } catch (e) {
      if (e instanceof NetworkError) throw e;
      await repo.db.put("blobs", { ...row, error: String((e as Error).message ?? e) });
    }
  }
}
