/** An in-memory stand-in for POST /api/v1/sync: op log with seq, ack, scope = everything. */
import type { Change, Op, SyncResponse } from "../src/sync/types";
import { formatTs } from "../src/sync/hlc";

export class FakeServer {
  log: Change[] = [];
  ids = new Set<string>();
  pageSize = 3;
  now = 1_763_779_200_000;
  /** Decide a rejection for an op (return code+message) or null to accept. */
  validate: (op: Op) => { code: string; message: string } | null = () => null;
  evictNext: { entity: string; key: string }[] = [];
  calls = 0;
  fail = false;

  post = async (body: unknown): Promise<SyncResponse> => {
    this.calls++;
    if (this.fail) throw new (await import("../src/lib/api")).NetworkError("down");
    const req = body as { replica: string; since: number; ops: Op[] };
    const acked: string[] = [];
    const rejected: { id: string; code: string; message: string }[] = [];
    for (const op of req.ops) {
      if (this.ids.has(op.id)) {
        acked.push(op.id);
        continue;
      }
      const bad = this.validate(op);
      if (bad) {
        rejected.push({ id: op.id, ...bad });
        continue;
      }
      this.ids.add(op.id);
      this.log.push({ ...op, seq: this.log.length + 1 });
      acked.push(op.id);
    }
    const changes = this.log.filter((o) => (o.seq ?? 0) > req.since).slice(0, this.pageSize);
    const cursor = changes.length ? changes[changes.length - 1]!.seq! : req.since;
    const more = this.log.some((o) => (o.seq ?? 0) > cursor);
    const evict = this.evictNext;
    this.evictNext = [];
    return { cursor, acked, rejected, changes, evict, more, server_time: formatTs(this.now, 0, "serverMain") };
  };

  /** An op written by the server itself (e.g. status after routing). */
  serverOp(op: Omit<Op, "id" | "ts">): void {
    const n = this.log.length + 1;
    const full: Op = { ...op, id: `serverMain:${n}`, ts: formatTs(this.now + n, 0, "serverMain") };
    this.ids.add(full.id);
    this.log.push({ ...full, seq: n });
  }
}
