/**
 * Sync protocol v2's per-record page (server/sync/wire.py): the server groups a pull page by record
 * and drops superseded puts and intents, so a fresh install downloads far less than one whole op per
 * change. `expandRecords` turns the page back into the ops this device stores; the merge (merge.ts)
 * reaches the same state from them as from the whole page. Pinned by tests/vectors/wire_v2.json.
 */
import type { Op, RecordChanges } from "./types";

/** The replica of an HLC `{ms}:{counter}:{replica}` (replicas hold no colon). */
export function tsReplica(ts: string): string {
  return ts.split(":").slice(2).join(":");
}

/** An op id from the wire's `n`: the id without its ts's replica, or a whole id when it has a colon. */
export function fullId(n: string, ts: string): string {
  return n.includes(":") ? n : `${tsReplica(ts)}:${n}`;
}

/** The ops a v2 page stands for, puts first within each record (order does not matter to the merge). */
export function expandRecords(records: readonly RecordChanges[]): Op[] {
  const out: Op[] = [];
  for (const r of records) {
    for (const [field, [value, ts, n]] of Object.entries(r.puts ?? {})) {
      out.push({ id: fullId(n, ts), ts, entity: r.entity, key: r.key, kind: "put", field, value });
    }
    for (const [kind, field, value, ts, n, seen] of r.ops ?? []) {
      const op: Op = { id: fullId(n, ts), ts, entity: r.entity, key: r.key, kind, field, value };
      if (seen != null) op.seen = seen;
      out.push(op);
    }
  }
  return out;
}
