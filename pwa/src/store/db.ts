/**
 * What is stored where (IndexedDB "jiefen", via idb):
 * - ops       every op known on this device (own and from the server), by op id; index `rid`.
 * - records   the materialized view of each record (`{entity}/{key}`), with its case key.
 * - outbox    own ops not yet acknowledged by the server, in the order they were made (`n`).
 * - meta      small key/values: replica id, op counter, clock, cursor, tokens, settings, regions.
 * - secrets   trace tokens of the cases filed here (never leave the device except in the QR; never wiped).
 * - blobs     evidence photos waiting to be uploaded (resumable), by sha256.
 * - failures  ops the server rejected, by op id, with the reason shown on the case.
 * - traces    the last trace answer seen for a case code, for offline viewing with the same token.
 * Writes can fail with QuotaExceededError: it surfaces as StorageFullError for the UI to show.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Op, View } from "../sync/types";

export interface StoredOp extends Op {
  rid: string;
}
export interface RecordRow {
  rid: string;
  entity: string;
  key: string;
  case: string | null;
  view: View;
  /** physical ms of the record's earliest op: when it was made */
  first: number;
}
export interface OutboxRow {
  n: number;
  op: Op;
  case: string | null;
}
export interface SecretRow {
  case: string;
  code: string;
  token: string;
}
export interface BlobRow {
  sha: string;
  type: string;
  size: number;
  data: Blob;
  case: string | null;
  done: boolean;
  error?: string;
  /** The server refused these bytes for good (type, size, content): not sent again. */
  refused?: boolean;
}
export interface FailureRow {
  id: string;
  case: string | null;
  code: string;
  message: string;
  at: number;
  intent: boolean;
}
export interface TraceRow {
  code: string;
  data: unknown;
  at: number;
  /** SHA-256 of the token that opened it: the copy shows offline only for that token */
  hash?: string;
}

export interface JiefenDB extends DBSchema {
  ops: { key: string; value: StoredOp; indexes: { rid: string } };
  records: { key: string; value: RecordRow; indexes: { entity: string; case: string } };
  outbox: { key: number; value: OutboxRow; indexes: { case: string } };
  meta: { key: string; value: unknown };
  secrets: { key: string; value: SecretRow; indexes: { code: string } };
  blobs: { key: string; value: BlobRow };
  failures: { key: string; value: FailureRow; indexes: { case: string } };
  traces: { key: string; value: TraceRow };
}

export type DB = IDBPDatabase<JiefenDB>;

export class StorageFullError extends Error {
  constructor(cause?: unknown) {
    super("storage_full");
    this.name = "StorageFullError";
    (this as { cause?: unknown }).cause = cause;
  }
}

export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED";
}

/** Run a write; turn quota errors into StorageFullError. */
export async function guardQuota<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isQuotaError(e) || isQuotaError((e as { cause?: unknown })?.cause)) throw new StorageFullError(e);
    throw e;
  }
}

export function openJiefenDb(name = "jiefen"): Promise<DB> {
  return openDB<JiefenDB>(name, 1, {
    upgrade(db) {
      db.createObjectStore("ops", { keyPath: "id" }).createIndex("rid", "rid");
      const rec = db.createObjectStore("records", { keyPath: "rid" });
      rec.createIndex("entity", "entity");
      rec.createIndex("case", "case");
      db.createObjectStore("outbox", { keyPath: "n" }).createIndex("case", "case");
      db.createObjectStore("meta");
      db.createObjectStore("secrets", { keyPath: "case" }).createIndex("code", "code");
      db.createObjectStore("blobs", { keyPath: "sha" });
      db.createObjectStore("failures", { keyPath: "id" }).createIndex("case", "case");
      db.createObjectStore("traces", { keyPath: "code" });
    },
  });
}
