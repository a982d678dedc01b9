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

/**
 * An in-memory stand-in for /api/v1/blobs/{sha} that is as strict as docs/blobs.md (the real one is
 * crossed by e2e/test_journeys.py): HEAD → Upload-Offset or 404; PUT needs Upload-Offset AND
 * Upload-Length (400 otherwise), 409 + Upload-Offset on a wrong offset, 204 / 201 / 200.
 * `cutAfter(n)`: the n-th following PUT is stored but its answer is lost (a dropped connection).
 */
export class FakeBlobServer {
  parts = new Map<string, Uint8Array>();
  done = new Map<string, Uint8Array>();
  requests: { method: string; offset: string | null; length: string | null }[] = [];
  private cutIn: number | null = null;

  cutAfter(n: number): void {
    this.cutIn = n;
  }

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const m = /^\/api\/v1\/blobs\/([0-9a-f]{64})$/.exec(url);
    if (!m) throw new TypeError(`Failed to fetch ${url}`);
    const sha = m[1]!;
    const h = new Headers(init.headers);
    const method = init.method ?? "GET";
    this.requests.push({ method, offset: h.get("Upload-Offset"), length: h.get("Upload-Length") });
    if (!h.get("Authorization")) return new Response(null, { status: 401 });
    const held = () => this.done.get(sha)?.length ?? this.parts.get(sha)?.length ?? 0;
    if (method === "HEAD") {
      if (!this.done.has(sha) && !this.parts.has(sha)) return new Response(null, { status: 404 });
      return new Response(null, { status: 200, headers: { "Upload-Offset": String(held()), "Upload-Complete": this.done.has(sha) ? "1" : "0" } });
    }
    if (method !== "PUT") return new Response(null, { status: 405 });
    const offset = h.get("Upload-Offset");
    const length = h.get("Upload-Length");
    if (offset === null || length === null || !/^\d+$/.test(offset) || !/^\d+$/.test(length)) {
      return Response.json({ detail: "缺少或无效的请求头" }, { status: 400 });
    }
    if (this.done.has(sha)) return new Response(null, { status: 200, headers: { "Upload-Offset": length } });
    if (Number(offset) !== held()) return new Response(null, { status: 409, headers: { "Upload-Offset": String(held()) } });
    const body = new Uint8Array(await new Response(init.body as BodyInit).arrayBuffer());
    const prev = this.parts.get(sha) ?? new Uint8Array();
    const next = new Uint8Array(prev.length + body.length);
    next.set(prev);
    next.set(body, prev.length);
    let status = 204;
    if (next.length >= Number(length)) {
      const digest = Buffer.from(await crypto.subtle.digest("SHA-256", next)).toString("hex");
      this.parts.delete(sha);
      if (digest !== sha) return Response.json({ detail: "文件校验失败，请重新上传" }, { status: 422 });
      this.done.set(sha, next);
      status = 201;
    } else {
      this.parts.set(sha, next);
    }
    if (this.cutIn !== null && --this.cutIn <= 0) {
      this.cutIn = null;
      throw new TypeError("Failed to fetch"); // stored, but the phone never hears the answer
    }
    return new Response(null, { status, headers: { "Upload-Offset": String(held()) } });
  };
}
