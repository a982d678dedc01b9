/**
 * The merge: a pure function from a *set* of ops to the materialized state, so any order or
 * duplication of the same ops gives the same answer (DESIGN.md §2, server/sync/INTERNALS.md).
 *
 * - put: last-writer-wins register per (entity, key, field); greatest `ts` (string order) wins.
 * - add/remove: add-wins observed-remove set per (entity, key, field), elements keyed by the add
 *   op's id. A remove with `seen` removes exactly those add ids; without `seen` it removes the adds
 *   of the same element with a smaller ts. Materialized as a list sorted by each element's
 *   canonical JSON (sorted keys, no spaces, non-ASCII as is) in code point order.
 * - create: an immutable record; of conflicting creates the smallest ts wins. Its object value is
 *   spread into the view.
 * - intent: asks the server to act; changes no state.
 */
import type { Op, View } from "./types";

export function recordId(entity: string, key: string): string {
  return `${entity}/${key}`;
}

/** JSON with sorted object keys: a canonical text for an element, used for equality and order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(",")}}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compare by Unicode code point (= UTF-8 byte order, Python's str order), not UTF-16 units. */
export function cmpCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Materialize one record from all the ops known for it (ops of other records are ignored). */
export function materialize(ops: Iterable<Op>): View | null {
  const puts = new Map<string, Op>();
  const adds = new Map<string, Map<string, Op>>(); // field -> add id -> op
  const removes = new Map<string, Op[]>(); // field -> removes
  let create: Op | null = null;
  const seenIds = new Set<string>();
  let any = false;
  for (const op of ops) {
    if (seenIds.has(op.id)) continue;
    seenIds.add(op.id);
    const field = op.field ?? "";
    switch (op.kind) {
      case "put": {
        const cur = puts.get(field);
        if (!cur || op.ts > cur.ts || (op.ts === cur.ts && op.id > cur.id)) puts.set(field, op);
        any = true;
        break;
      }
      case "add": {
        let m = adds.get(field);
        if (!m) adds.set(field, (m = new Map()));
        m.set(op.id, op);
        any = true;
        break;
      }
      case "remove": {
        let l = removes.get(field);
        if (!l) removes.set(field, (l = []));
        l.push(op);
        any = true;
        break;
      }
      case "create":
        if (!create || op.ts < create.ts || (op.ts === create.ts && op.id < create.id)) create = op;
        any = true;
        break;
      default:
        break; // intents change no state
    }
  }
  if (!any) return null;
  const view: View = {};
  if (create) {
    const v = create.value;
    if (create.field) view[create.field] = v;
    else if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(view, v);
    else view["value"] = v;
  }
  for (const [field, op] of puts) view[field] = op.value;
  const setFields = new Set([...adds.keys(), ...removes.keys()]);
  for (const field of setFields) {
    const fieldAdds = adds.get(field) ?? new Map<string, Op>();
    const fieldRemoves = removes.get(field) ?? [];
    const present = new Map<string, unknown>(); // canonical json -> element
    for (const [addId, add] of fieldAdds) {
      const elem = canonicalJson(add.value);
      if (present.has(elem)) continue;
      const removed = fieldRemoves.some((r) => {
        if (canonicalJson(r.value) !== elem) return false;
        if (r.seen != null) return r.seen.includes(addId);
        return add.ts < r.ts;
      });
      if (!removed) present.set(elem, add.value);
    }
    view[field] = [...present.entries()].sort((a, b) => cmpCodePoint(a[0], b[0])).map(([, v]) => v);
  }
  return view;
}

/** Group ops by record and materialize each: `{"case/KEY": view}`. */
export function materializeAll(ops: Iterable<Op>): Record<string, View> {
  const groups = new Map<string, Op[]>();
  for (const op of ops) {
    const id = recordId(op.entity, op.key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(op);
  }
  const out: Record<string, View> = {};
  for (const [id, g] of [...groups.entries()].sort((a, b) => cmp(a[0], b[0]))) {
    const v = materialize(g);
    if (v) out[id] = v;
  }
  return out;
}
