/** The words a person reads for a failed local action: never empty, never an English stack. */
import { t } from "../i18n";
import { isQuotaError, StorageFullError } from "../store/db";
import { ApiError, NetworkError } from "./api";

/** True for a full phone however the browser reports it (the error itself, its cause, or the
 * IndexedDB transaction it aborted). */
export function isStorageFull(e: unknown): boolean {
  if (e instanceof StorageFullError || isQuotaError(e)) return true;
  const x = e as { cause?: unknown; target?: { error?: unknown }; error?: unknown } | null;
  return isQuotaError(x?.cause) || isQuotaError(x?.error) || isQuotaError(x?.target?.error);
}

export function errorText(e: unknown): string {
  if (isStorageFull(e)) return t("storage_full");
  const msg = e instanceof Error ? e.message : typeof e === "string" ? e : "";
  return msg.trim() || t("error_unknown");
}

/** Why a request failed: `offline` when no answer came, else the server's detail (or `HTTP 403`
 * when it sent none). */
export function requestFailure(e: unknown, offline: string): string {
  if (e instanceof NetworkError) return offline;
  if (e instanceof ApiError) return e.detail || `HTTP ${e.status}`;
  return String(e);
}
