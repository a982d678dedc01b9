/**
 * The sync client: push the outbox and pull changes in one round trip (POST /api/v1/sync),
 * page until `more` is false, persist the cursor, back off exponentially on failure.
 * DOM-free: the service worker's `sync` event can run it too.
 */
import type { Repo } from "../store/repo";
import { ApiError, NetworkError, request } from "../lib/api";
import type { FailureRow } from "../store/db";
import type { SyncResponse } from "./types";
import { uploadPending } from "./blobs";
import { expandRecords } from "./wire";

export const BATCH = 200;
/** Sync protocol version: 2 = pull pages come as one entry per record (`records`, wire.ts). */
export const PROTOCOL = 2;
const MAX_ROUNDS = 50;

export type SyncState = "idle" | "syncing" | "offline" | "error" | "waiting";

export interface SyncStatus {
  state: SyncState;
  lastOk: number | null;
  error: string | null;
  /** Cases with changes not yet sent (what the badge counts: one case filed = 1, however many ops). */
  pending: number;
  /** Ops not yet sent (also those of no case, e.g. a notification marked read). */
  pendingOps: number;
  /** In state "waiting": the seconds the server asked for (a crowd, a busy database). */
  waitSeconds?: number | null;
}

/** How many distinct cases the outbox holds changes for. */
export function pendingCases(rows: { case: string | null }[]): number {
  return new Set(rows.map((r) => r.case).filter((c): c is string => !!c)).size;
}

export type Poster = (body: unknown, token: string) => Promise<SyncResponse>;

const defaultPoster: Poster = (body, token) => request<SyncResponse>("/api/v1/sync", { body, token, timeoutMs: 45000 });

/** Get this install's token: the staff token when logged in, else the anonymous device token (made once). */
export async function ensureToken(repo: Repo): Promise<string> {
  const token = await repo.getMeta<string>("token");
  if (token) return token;
  let device = await repo.getMeta<string>("deviceToken");
  if (!device) {
    const res = await request<{ token: string }>("/api/v1/devices", { method: "POST", body: {} });
    device = res.token;
    await repo.setMeta("deviceToken", device);
  }
  await repo.setMeta("token", device);
  await repo.setMeta("role", "citizen");
  return device;
}

/** The principal changed (login/logout) while this run was in flight: its answers belong to the old one. */
export class SupersededError extends Error {
  constructor() {
    super("superseded");
    this.name = "SupersededError";
  }
}

export interface RunResult {
  rounds: number;
  rejected: FailureRow[];
}

/**
 * One full sync: push/pull rounds until the outbox is sent and `more` is false, then evidence
 * uploads (ops first: a case is routed and its deadlines run even while a photo is still crawling
 * over 2G; the case page shows the photo when it lands).
 */
export async function runSync(repo: Repo, post: Poster = defaultPoster): Promise<RunResult> {
  const epoch = repo.epoch;
  const token = await ensureToken(repo);
  // Checked right before every write (in the same tick as the write's transaction is opened).
  const current = () => {
    if (repo.epoch !== epoch) throw new SupersededError();
  };
  const rejected: FailureRow[] = [];
  let restamps = 0;
  let rounds = 0;
  let stuck = 0;
  for (; rounds < MAX_ROUNDS; ) {
    rounds++;
    const batch = await repo.outbox(BATCH);
    const since = (await repo.getMeta<number>("cursor")) ?? 0;
    const res = await post({ replica: repo.replica, since, ops: batch.map((r) => r.op), v: PROTOCOL }, token);
    if ((await repo.getMeta<string>("token")) !== token) throw new SupersededError();
    current();
    await repo.ack(res.acked ?? []);
    current();
    const ahead = (res.rejected ?? []).filter((r) => r.code === "clock_ahead");
    const other = (res.rejected ?? []).filter((r) => r.code !== "clock_ahead");
    rejected.push(...(await repo.reject(other)));
    current();
    await repo.applyRemote([...(res.changes ?? []), ...expandRecords(res.records ?? [])]);
    current();
    await repo.evict(res.evict ?? []);
    current();
    if (typeof res.cursor === "number") await repo.setMeta("cursor", res.cursor);
    if (ahead.length && res.server_time && restamps < 3) {
      restamps++;
      await repo.restamp(
        ahead.map((r) => r.id),
        res.server_time,
      );
    } else if (ahead.length) {
      rejected.push(...(await repo.reject(ahead)));
    }
    const answered = new Set([...(res.acked ?? []), ...(res.rejected ?? []).map((r) => r.id)]);
    const unanswered = batch.filter((r) => !answered.has(r.op.id)).length;
    stuck = unanswered > 0 && unanswered === batch.length ? stuck + 1 : 0;
    const left = (await repo.outbox(1)).length;
    if (!res.more && (left === 0 || stuck >= 2)) break;
  }
  current();
  await uploadPending(repo, token); // a NetworkError here fails the run: the scheduler retries and resumes
  await repo.setMeta("lastSync", Date.now());
  return { rounds, rejected };
}

/** Drives runSync: debounced triggers, one run at a time, exponential back-off with jitter. */
export class SyncScheduler {
  status: SyncStatus = { state: "idle", lastOk: null, error: null, pending: 0, pendingOps: 0 };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private failures = 0;
  private listeners = new Set<(s: SyncStatus) => void>();
  onRejected: (f: FailureRow[]) => void = () => {};
  onAuthLost: () => void = () => {};

  constructor(
    private readonly repo: Repo,
    private readonly post: Poster = defaultPoster,
    private readonly online: () => boolean = () => (typeof navigator === "undefined" ? true : navigator.onLine !== false),
  ) {}

  subscribe(fn: (s: SyncStatus) => void): () => void {
    this.listeners.add(fn);
    fn(this.status);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<SyncStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const l of this.listeners) l(this.status);
  }

  async refreshPending(): Promise<void> {
    const rows = await this.repo.outbox();
    this.set({ pending: pendingCases(rows), pendingOps: rows.length });
  }

  /** Ask for a sync after `delayMs` (debounced: many local changes, one sync). */
  schedule(delayMs = 800): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.now();
    }, delayMs);
  }

  backoffMs(): number {
    const base = Math.min(5 * 60_000, 2000 * 2 ** Math.max(0, this.failures - 1));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  /** Sync now (or right after the current run). */
  async now(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.once();
    } while (this.again);
  }

  private async once(): Promise<void> {
    await this.refreshPending();
    if (!this.online()) {
      this.set({ state: "offline" });
      return;
    }
    this.set({ state: "syncing" });
    try {
      const run = () => runSync(this.repo, this.post);
      const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
      const result = locks ? await locks.request("jiefen-sync", run) : await run();
      this.failures = 0;
      this.set({ state: "idle", lastOk: Date.now(), error: null, waitSeconds: null });
      if (result.rejected.length) this.onRejected(result.rejected);
    } catch (e) {
      if (e instanceof SupersededError) {
        // not a failure: sync again at once, as the new principal
        this.again = true;
        this.set({ state: "idle", error: null });
        return;
      }
      this.failures++;
      if (e instanceof ApiError && e.status === 401) {
        this.onAuthLost();
        this.set({ state: "error", error: "auth" });
      } else if (e instanceof ApiError && (e.status === 429 || e.status === 503) && e.retryAfter !== null) {
        // Not a failure of this phone: the server said how long to wait; wait that long, then retry.
        this.set({ state: "waiting", error: e.detail || null, waitSeconds: e.retryAfter });
        this.schedule(Math.max(1, e.retryAfter) * 1000);
        return;
      } else if (e instanceof NetworkError) {
        this.set({ state: this.online() ? "error" : "offline", error: "network" });
      } else {
        this.set({ state: "error", error: e instanceof ApiError ? e.detail || `HTTP ${e.status}` : String((e as Error)?.message ?? e) });
      }
      this.schedule(this.backoffMs());
    } finally {
      await this.refreshPending();
    }
  }
}
