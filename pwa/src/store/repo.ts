/**
 * The local store: ops in, materialized records out, plus the outbox of own ops.
 * DOM-free so the service worker can run a sync too.
 */
import { Hlc, type HlcState } from "../sync/hlc";
import { materialize, recordId } from "../sync/merge";
import type { Op, OpKind, Rejection, View } from "../sync/types";
import { guardQuota, openJiefenDb, type DB, type FailureRow, type OutboxRow, type RecordRow, type StoredOp } from "./db";

type Listener = () => void;

export interface NewOp {
  entity: string;
  key: string;
  kind: OpKind;
  field?: string | null;
  value?: unknown;
  seen?: string[];
}

export function randomId(len = 16): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = new Uint8Array(len);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID: 48-bit time + 80 random bits, Crockford base32, sortable by creation time. */
export function ulid(now = Date.now()): string {
  let t = "";
  let ms = now;
  for (let i = 0; i < 10; i++) {
    t = CROCKFORD[ms % 32] + t;
    ms = Math.floor(ms / 32);
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return t + Array.from(bytes, (b) => CROCKFORD[b % 32]).join("");
}

/** Which case an op belongs to, if it can be told from the op alone. */
function caseOfOp(op: Op): string | null {
  if (op.entity === "case") return op.key;
  if (op.kind === "create" && op.value && typeof op.value === "object") {
    const c = (op.value as Record<string, unknown>)["case"];
    return typeof c === "string" ? c : null;
  }
  if (op.kind === "put" && op.field === "case" && typeof op.value === "string") return op.value;
  return null;
}

export class Repo {
  private listeners = new Set<Listener>();
  /** Called after every local commit (the app schedules a sync and a Background Sync). */
  onLocalCommit: () => void = () => {};
  private channel: BroadcastChannel | null = null;
  hlc!: Hlc;
  replica!: string;
  private counter = 0;
  private clock: (() => number) | undefined;

  private constructor(readonly db: DB) {}

  static async open(name = "jiefen", clock?: () => number): Promise<Repo> {
    const repo = new Repo(await openJiefenDb(name));
    await repo.init(clock);
    if (typeof BroadcastChannel !== "undefined") {
      repo.channel = new BroadcastChannel(`${name}-changes`);
      repo.channel.onmessage = () => repo.emit(false);
    }
    return repo;
  }

  private async init(clock?: () => number): Promise<void> {
    let replica = (await this.db.get("meta", "replica")) as string | undefined;
    if (!replica) {
      replica = randomId(20);
      await this.db.put("meta", replica, "replica");
    }
    this.replica = replica;
    this.counter = ((await this.db.get("meta", "counter")) as number | undefined) ?? 0;
    const st = (await this.db.get("meta", "hlc")) as HlcState | undefined;
    const offset = ((await this.db.get("meta", "clockOffset")) as number | undefined) ?? 0;
    this.clock = clock;
    this.hlc = new Hlc(replica, st ?? { ms: 0, c: 0 }, offset, clock);
  }

  // ---- change notification -------------------------------------------------------------
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit(broadcast = true): void {
    for (const l of this.listeners) l();
    if (broadcast) this.channel?.postMessage("change");
  }

  // ---- meta ----------------------------------------------------------------------------
  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get("meta", key)) as T | undefined;
  }
  async setMeta(key: string, value: unknown): Promise<void> {
    await guardQuota(() => this.db.put("meta", value, key));
  }

  // ---- local changes -------------------------------------------------------------------
  /** Stamp ops (id + HLC ts) without storing them. */
  stamp(parts: NewOp[]): Op[] {
    return parts.map((p) => {
      const op: Op = { id: `${this.replica}:${++this.counter}`, ts: this.hlc.now(), entity: p.entity, key: p.key, kind: p.kind };
      op.field = p.kind === "create" ? null : (p.field ?? null);
      if (p.value !== undefined) op.value = p.value;
      if (p.seen) op.seen = p.seen;
      return op;
    });
  }

  /** Make local ops, apply them optimistically and queue them for the server, atomically. */
  async commit(parts: NewOp[], caseKey?: string): Promise<Op[]> {
    const ops = this.stamp(parts);
    await guardQuota(async () => {
      const tx = this.db.transaction(["ops", "outbox", "meta", "records"], "readwrite");
      const rids = new Set<string>();
      const batchCase = new Map<string, string>();
      for (const op of ops) {
        if (op.kind !== "intent") {
          await tx.objectStore("ops").put({ ...op, rid: recordId(op.entity, op.key) });
          rids.add(recordId(op.entity, op.key));
        }
        const rid = recordId(op.entity, op.key);
        let c = caseKey ?? caseOfOp(op) ?? batchCase.get(rid) ?? null;
        if (!c) c = (await tx.objectStore("records").get(rid))?.case ?? null;
        if (c) batchCase.set(rid, c);
        await tx.objectStore("outbox").put({ n: Number(op.id.split(":").pop()), op, case: c });
      }
      await tx.objectStore("meta").put(this.counter, "counter");
      await tx.objectStore("meta").put(this.hlc.state, "hlc");
      for (const rid of rids) await this.rematerializeIn(tx as never, rid);
      await tx.done;
    });
    this.emit();
    this.onLocalCommit();
    return ops;
  }

  private async rematerializeIn(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    tx: { objectStore(n: "ops" | "records"): any },
    rid: string,
  ): Promise<void> {
    const ops: StoredOp[] = await tx.objectStore("ops").index("rid").getAll(rid);
    const view = materialize(ops);
    const [entity, ...rest] = rid.split("/");
    const key = rest.join("/");
    if (!view) {
      await tx.objectStore("records").delete(rid);
      return;
    }
    const c = entity === "case" ? key : typeof view["case"] === "string" ? (view["case"] as string) : null;
    let first = Infinity;
    for (const o of ops) first = Math.min(first, parseInt(o.ts.slice(0, 15), 10) || Infinity);
    const row: RecordRow = { rid, entity: entity!, key, case: c, view, first: Number.isFinite(first) ? first : 0 };
    await tx.objectStore("records").put(row);
  }

  // ---- from the server -----------------------------------------------------------------
  /** Store ops the server sent (idempotent) and re-materialize what they touch. */
  async applyRemote(changes: Op[]): Promise<void> {
    if (!changes.length) return;
    await guardQuota(async () => {
      const tx = this.db.transaction(["ops", "records", "meta"], "readwrite");
      const rids = new Set<string>();
      for (const op of changes) {
        this.hlc.receive(op.ts);
        if (op.kind === "intent") continue;
        const rid = recordId(op.entity, op.key);
        const { seq: _seq, ...rest } = op;
        void _seq;
        await tx.objectStore("ops").put({ ...rest, rid });
        rids.add(rid);
      }
      for (const rid of rids) await this.rematerializeIn(tx as never, rid);
      await tx.objectStore("meta").put(this.hlc.state, "hlc");
      await tx.done;
    });
    this.emit();
  }

  async ack(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const set = new Set(ids);
    const tx = this.db.transaction(["outbox", "failures"], "readwrite");
    for (const row of await tx.objectStore("outbox").getAll()) {
      if (set.has(row.op.id)) await tx.objectStore("outbox").delete(row.n);
    }
    for (const id of ids) await tx.objectStore("failures").delete(id);
    await tx.done;
    this.emit();
  }

  /** Drop rejected ops (roll back their optimistic effect) and remember why, per case. */
  async reject(rejections: Rejection[]): Promise<FailureRow[]> {
    if (!rejections.length) return [];
    const byId = new Map(rejections.map((r) => [r.id, r]));
    const out: FailureRow[] = [];
    const tx = this.db.transaction(["outbox", "ops", "records", "failures"], "readwrite");
    const rids = new Set<string>();
    for (const row of await tx.objectStore("outbox").getAll()) {
      const r = byId.get(row.op.id);
      if (!r) continue;
      await tx.objectStore("outbox").delete(row.n);
      await tx.objectStore("ops").delete(row.op.id);
      if (row.op.kind !== "intent") rids.add(recordId(row.op.entity, row.op.key));
      const f: FailureRow = { id: r.id, case: row.case, code: r.code, message: r.message, at: Date.now(), intent: row.op.kind === "intent" };
      await tx.objectStore("failures").put(f);
      out.push(f);
    }
    for (const rid of rids) await this.rematerializeIn(tx as never, rid);
    await tx.done;
    this.emit();
    return out;
  }

  /** The device clock ran ahead: correct the clock and re-stamp the given outbox ops. */
  async restamp(ids: string[], serverTime: string): Promise<void> {
    this.hlc.correct(serverTime);
    const set = new Set(ids);
    const tx = this.db.transaction(["outbox", "ops", "meta", "records"], "readwrite");
    const rids = new Set<string>();
    const rows = (await tx.objectStore("outbox").getAll()).filter((r) => set.has(r.op.id));
    for (const row of rows) {
      row.op = { ...row.op, ts: this.hlc.now() };
      await tx.objectStore("outbox").put(row);
      if (row.op.kind !== "intent") {
        const rid = recordId(row.op.entity, row.op.key);
        await tx.objectStore("ops").put({ ...row.op, rid });
        rids.add(rid);
      }
    }
    for (const rid of rids) await this.rematerializeIn(tx as never, rid);
    await tx.objectStore("meta").put(this.hlc.state, "hlc");
    await tx.objectStore("meta").put(this.hlc.offset, "clockOffset");
    await tx.done;
    this.emit();
  }

  /** Records that left this principal's scope: delete them (a case takes its parties, messages…). */
  async evict(list: { entity: string; key: string }[]): Promise<void> {
    if (!list.length) return;
    const tx = this.db.transaction(["ops", "records"], "readwrite");
    const rids = new Set<string>();
    for (const { entity, key } of list) {
      rids.add(recordId(entity, key));
      if (entity === "case") {
        for (const r of await tx.objectStore("records").index("case").getAll(key)) rids.add(r.rid);
      }
    }
    for (const rid of rids) {
      for (const k of await tx.objectStore("ops").index("rid").getAllKeys(rid)) await tx.objectStore("ops").delete(k);
      await tx.objectStore("records").delete(rid);
    }
    await tx.done;
    this.emit();
  }

  // ---- reads ---------------------------------------------------------------------------
  async row(entity: string, key: string): Promise<RecordRow | undefined> {
    return this.db.get("records", recordId(entity, key));
  }
  async record(entity: string, key: string): Promise<View | undefined> {
    return (await this.db.get("records", recordId(entity, key)))?.view;
  }
  async records(entity: string): Promise<RecordRow[]> {
    return this.db.getAllFromIndex("records", "entity", entity);
  }
  async related(caseKey: string): Promise<RecordRow[]> {
    return this.db.getAllFromIndex("records", "case", caseKey);
  }
  async outbox(limit?: number): Promise<OutboxRow[]> {
    return this.db.getAll("outbox", undefined, limit);
  }
  async outboxFor(caseKey: string): Promise<OutboxRow[]> {
    return this.db.getAllFromIndex("outbox", "case", caseKey);
  }
  async failuresFor(caseKey: string): Promise<FailureRow[]> {
    return this.db.getAllFromIndex("failures", "case", caseKey);
  }
  async dismissFailure(id: string): Promise<void> {
    await this.db.delete("failures", id);
    this.emit();
  }
  async allOps(): Promise<StoredOp[]> {
    return this.db.getAll("ops");
  }

  /**
   * Bumped (synchronously) by `wipeSynced`: a sync run that started under the previous principal
   * sees the change and writes nothing more (no old records, no old cursor) — see sync/client.ts.
   */
  epoch = 0;

  /**
   * Forget every synced record (on a change of principal); keeps clock, secrets, settings.
   * A replica belongs to the first principal that pushed with it (docs/sync.md): the new
   * principal gets a new replica id, or the server would refuse its ops (`replica_taken`).
   */
  async wipeSynced(): Promise<void> {
    this.epoch++;
    const replica = randomId(20);
    const tx = this.db.transaction(["ops", "records", "outbox", "failures", "meta"], "readwrite");
    await tx.objectStore("ops").clear();
    await tx.objectStore("records").clear();
    await tx.objectStore("outbox").clear();
    await tx.objectStore("failures").clear();
    await tx.objectStore("meta").delete("cursor");
    await tx.objectStore("meta").put(replica, "replica");
    await tx.objectStore("meta").put(0, "counter");
    this.replica = replica;
    this.counter = 0;
    this.hlc = new Hlc(replica, this.hlc.state, this.hlc.offset, this.clock);
    await tx.done;
    this.emit();
  }
}
