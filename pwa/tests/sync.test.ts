import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Repo } from "../src/store/repo";
import { runSync, SyncScheduler } from "../src/sync/client";
import { FakeBlobServer, FakeServer } from "./fakeserver";
import { fileCase } from "../src/lib/cases";
import { CHUNK } from "../src/sync/blobs";
import { NetworkError } from "../src/lib/api";
import { materializeAll } from "../src/sync/merge";
import { parseTs } from "../src/sync/hlc";

let n = 0;
async function newRepo(): Promise<Repo> {
  const r = await Repo.open(`test-sync-${n++}`);
  await r.setMeta("token", "tok");
  return r;
}

let server: FakeServer;
let blobs: FakeBlobServer;
beforeEach(() => {
  server = new FakeServer();
  blobs = new FakeBlobServer();
  vi.stubGlobal("fetch", blobs.fetch); // every sync below runs WITH evidence uploads
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** Bytes that look like a JPEG of `size` bytes (content differs per `seed`). */
function photo(size: number, seed = 1): Blob {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  b.set([0xff, 0xd8, 0xff, 0xe0]);
  return new Blob([b], { type: "image/jpeg" });
}

const filing = {
  summary: "邻居装修噪音",
  description: "晚上十点还在装修",
  region: "330522001008",
  channel: "online" as const,
  amount: null,
  applicants: 1,
  category: null,
  applicant: { name: "张三", phone: "13800001234" },
  respondent: { name: "王五", phone: "" },
  now: new Date("2026-03-01T10:00:00+08:00"),
};

describe("the badge", () => {
  it("counts cases waiting to sync, not ops (a case with two parties and a photo is 1)", async () => {
    const repo = await newRepo();
    await fileCase(repo, { ...filing, photos: [photo(10)] });
    const sched = new SyncScheduler(repo, server.post, () => false);
    await sched.refreshPending();
    expect(sched.status.pending).toBe(1);
    expect(sched.status.pendingOps).toBeGreaterThan(10);
    await fileCase(repo, { ...filing, photos: [] });
    await sched.refreshPending();
    expect(sched.status.pending).toBe(2);
  });
});

describe("evidence uploads (offline photo, then sync)", () => {
  it("uploads a photo taken offline, every chunk with Upload-Offset and Upload-Length", async () => {
    const repo = await newRepo();
    const filed = await fileCase(repo, { ...filing, photos: [photo(CHUNK * 2 + 1000)] });
    const sha = ((await repo.record("case", filed.key)) as { evidence: string[] }).evidence[0]!;
    await runSync(repo, server.post);
    expect(blobs.done.get(sha)?.length).toBe(CHUNK * 2 + 1000);
    const puts = blobs.requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => [r.offset, r.length])).toEqual([
      ["0", String(CHUNK * 2 + 1000)],
      [String(CHUNK), String(CHUNK * 2 + 1000)],
      [String(CHUNK * 2), String(CHUNK * 2 + 1000)],
    ]);
    expect((await repo.db.get("blobs", sha))?.done).toBe(true);
    // the case's ops went too, and nothing is left to send
    expect(server.log.some((o) => o.field === "evidence" && o.value === sha)).toBe(true);
    expect(await repo.outbox()).toEqual([]);
    blobs.requests = [];
    await runSync(repo, server.post);
    expect(blobs.requests).toEqual([]); // a finished blob is not sent again
  });

  it("resumes after a cut from what the server holds, not from zero", async () => {
    const repo = await newRepo();
    const size = CHUNK * 3 + 10;
    const filed = await fileCase(repo, { ...filing, photos: [photo(size, 2)] });
    const sha = ((await repo.record("case", filed.key)) as { evidence: string[] }).evidence[0]!;
    blobs.cutAfter(2); // the second chunk arrives, its answer is lost
    await expect(runSync(repo, server.post)).rejects.toBeInstanceOf(NetworkError);
    expect(await repo.outbox()).toEqual([]); // the case itself is already on the server
    expect((await repo.db.get("blobs", sha))?.done).toBe(false);
    blobs.requests = [];
    await runSync(repo, server.post);
    expect(blobs.requests.map((r) => [r.method, r.offset])).toEqual([
      ["HEAD", null],
      ["PUT", String(CHUNK * 2)],
      ["PUT", String(CHUNK * 3)],
    ]);
    expect(blobs.done.get(sha)?.length).toBe(size);
    expect((await repo.db.get("blobs", sha))?.done).toBe(true);
  });

  it("keeps a refused file's reason and still syncs the case", async () => {
    const repo = await newRepo();
    const filed = await fileCase(repo, { ...filing, photos: [photo(100, 3)] });
    const sha = ((await repo.record("case", filed.key)) as { evidence: string[] }).evidence[0]!;
    vi.stubGlobal("fetch", async (u: string, init: RequestInit) =>
      init.method === "PUT" ? Response.json({ detail: "不支持的文件类型" }, { status: 415 }) : blobs.fetch(u, init),
    );
    await runSync(repo, server.post);
    expect(await repo.outbox()).toEqual([]);
    expect((await repo.db.get("blobs", sha))?.error).toBe("不支持的文件类型");
    // refused for good: the next syncs do not spend the phone's data on it again
    const calls = vi.fn(blobs.fetch);
    vi.stubGlobal("fetch", calls);
    await runSync(repo, server.post);
    expect(calls).not.toHaveBeenCalled();
  });

  it("retries a blob after a passing server error (5xx), from where it was", async () => {
    const repo = await newRepo();
    const filed = await fileCase(repo, { ...filing, photos: [photo(100, 4)] });
    const sha = ((await repo.record("case", filed.key)) as { evidence: string[] }).evidence[0]!;
    vi.stubGlobal("fetch", async (u: string, init: RequestInit) => (init.method === "PUT" ? new Response(null, { status: 503 }) : blobs.fetch(u, init)));
    await runSync(repo, server.post);
    expect((await repo.db.get("blobs", sha))?.refused).toBe(false);
    vi.stubGlobal("fetch", blobs.fetch);
    await runSync(repo, server.post);
    expect((await repo.db.get("blobs", sha))?.done).toBe(true);
  });
});

describe("outbox and sync", () => {
  it("a run started before a login writes nothing after it (no old cursor, no old records)", async () => {
    const repo = await newRepo();
    server.serverOp({ entity: "case", key: "OLD", kind: "put", field: "status", value: "assigned" });
    const slow = async (body: unknown) => {
      const res = await server.post(body);
      // the person logs in while this answer is on its way
      await repo.wipeSynced();
      await repo.setMeta("token", "staff-token");
      return res;
    };
    await expect(runSync(repo, slow)).rejects.toThrow("superseded");
    expect(await repo.getMeta("cursor")).toBeUndefined();
    expect(await repo.records("case")).toEqual([]);
  });

  it("a new principal gets a new replica id (a replica belongs to one principal)", async () => {
    const repo = await newRepo();
    const before = repo.replica;
    await repo.wipeSynced();
    expect(repo.replica).not.toBe(before);
    expect(await repo.getMeta("replica")).toBe(repo.replica);
    const [op] = repo.stamp([{ entity: "case", key: "K", kind: "put", field: "summary", value: "s" }]);
    expect(op!.id).toBe(`${repo.replica}:1`);
    expect(op!.ts.endsWith(`:${repo.replica}`)).toBe(true);
  });

  it("pushes the outbox, pages until more is false, persists the cursor", async () => {
    const repo = await newRepo();
    for (let i = 0; i < 7; i++) server.serverOp({ entity: "case", key: `S${i}`, kind: "put", field: "status", value: "assigned" });
    await repo.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "s" }]);
    const res = await runSync(repo, server.post);
    expect(res.rounds).toBeGreaterThan(1);
    expect(await repo.outbox()).toEqual([]);
    expect(await repo.getMeta("cursor")).toBe(8);
    expect((await repo.records("case")).length).toBe(8);
  });

  it("two replicas converge through the server", async () => {
    const a = await newRepo();
    const b = await newRepo();
    await a.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "from a" }]);
    await a.commit([{ entity: "case", key: "K", kind: "add", field: "tags", value: "x" }]);
    await runSync(a, server.post);
    await runSync(b, server.post);
    const view = (await b.record("case", "K")) as { tags: string[] };
    const seen = (await b.allOps()).filter((o) => o.kind === "add").map((o) => o.id);
    await b.commit([{ entity: "case", key: "K", kind: "remove", field: "tags", value: "x", seen }]);
    await b.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "from b" }]);
    expect(view.tags).toEqual(["x"]);
    await runSync(b, server.post);
    await runSync(a, server.post);
    expect(await a.record("case", "K")).toEqual(await b.record("case", "K"));
    expect(await a.record("case", "K")).toEqual(materializeAll(server.log)["case/K"]);
    expect(await a.record("case", "K")).toEqual({ summary: "from b", tags: [] });
  });

  it("a rejected intent rolls back and is reported", async () => {
    const repo = await newRepo();
    server.validate = (op) => (op.kind === "intent" ? { code: "conflict", message: "案件已被其他调解员受理" } : null);
    await repo.commit([{ entity: "case", key: "K", kind: "intent", field: "transition", value: { to: "accepted" } }]);
    const res = await runSync(repo, server.post);
    expect(res.rejected.map((r) => r.message)).toEqual(["案件已被其他调解员受理"]);
    expect(res.rejected[0]!.intent).toBe(true);
    expect(await repo.outbox()).toEqual([]);
    expect((await repo.failuresFor("K")).length).toBe(1);
  });

  it("clock_ahead: re-stamps with the server's time and resends", async () => {
    const repo = await Repo.open(`test-sync-${n++}`, () => server.now + 3_600_000);
    await repo.setMeta("token", "tok");
    server.validate = (op) => (parseTs(op.ts).ms > server.now + 300_000 ? { code: "clock_ahead", message: "设备时间比服务器快太多" } : null);
    const [op] = await repo.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "s" }]);
    await runSync(repo, server.post);
    expect(await repo.outbox()).toEqual([]);
    const stored = server.log.find((o) => o.id === op!.id)!;
    expect(parseTs(stored.ts).ms).toBeLessThanOrEqual(server.now + 1);
    expect(await repo.record("case", "K")).toEqual({ summary: "s" });
  });

  it("evict deletes records that left the scope", async () => {
    const repo = await newRepo();
    server.serverOp({ entity: "case", key: "K", kind: "put", field: "status", value: "assigned" });
    await runSync(repo, server.post);
    expect(await repo.record("case", "K")).toBeTruthy();
    server.evictNext = [{ entity: "case", key: "K" }];
    await runSync(repo, server.post);
    expect(await repo.record("case", "K")).toBeUndefined();
  });

  it("scheduler backs off on network failure and recovers", async () => {
    const repo = await newRepo();
    server.fail = true;
    const s = new SyncScheduler(repo, server.post, () => true);
    await repo.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "s" }]);
    await s.now();
    expect(s.status.state).toBe("error");
    expect(s.status.pending).toBe(1);
    const b1 = s.backoffMs();
    await s.now();
    expect(s.backoffMs()).toBeGreaterThan(b1 * 0.9);
    server.fail = false;
    await s.now();
    expect(s.status.state).toBe("idle");
    expect(s.status.pending).toBe(0);
  });

  it("scheduler reports offline without calling the server", async () => {
    const repo = await newRepo();
    const s = new SyncScheduler(repo, server.post, () => false);
    await s.now();
    expect(s.status.state).toBe("offline");
    expect(server.calls).toBe(0);
  });
});

describe("a crowd at sign-up", () => {
  it("a 429 with Retry-After is a wait in words, not 同步失败, and the retry comes after that wait", async () => {
    const { ApiError } = await import("../src/lib/api");
    const repo = await newRepo();
    let calls = 0;
    const busy = async () => {
      calls++;
      throw new ApiError(429, "此网络注册人数过多，请约 3 分钟后再试", undefined, 150);
    };
    const s = new SyncScheduler(repo, busy, () => true);
    const scheduled: number[] = [];
    s.schedule = (ms?: number) => void scheduled.push(ms ?? 0);
    await s.now();
    expect(calls).toBe(1);
    expect(s.status.state).toBe("waiting");
    expect(s.status.waitSeconds).toBe(150);
    expect(scheduled).toEqual([150_000]);
    const { waitWords } = await import("../src/lib/wait");
    expect(waitWords(150)).toBe("约 3 分钟");
    expect(waitWords(45)).toBe("约 45 秒");
  });

  it("Retry-After is read as seconds or as an HTTP date", async () => {
    const { parseRetryAfter } = await import("../src/lib/api");
    expect(parseRetryAfter("120")).toBe(120);
    expect(parseRetryAfter(new Date(Date.UTC(2026, 0, 1, 0, 2)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(120);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
  });
});
