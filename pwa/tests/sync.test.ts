import { beforeEach, describe, expect, it } from "vitest";
import { Repo } from "../src/store/repo";
import { runSync, SyncScheduler } from "../src/sync/client";
import { FakeServer } from "./fakeserver";
import { materializeAll } from "../src/sync/merge";
import { parseTs } from "../src/sync/hlc";

let n = 0;
async function newRepo(): Promise<Repo> {
  const r = await Repo.open(`test-sync-${n++}`);
  await r.setMeta("token", "tok");
  return r;
}

let server: FakeServer;
beforeEach(() => {
  server = new FakeServer();
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
    await expect(runSync(repo, slow, { uploadBlobs: false })).rejects.toThrow("superseded");
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
    const res = await runSync(repo, server.post, { uploadBlobs: false });
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
    await runSync(a, server.post, { uploadBlobs: false });
    await runSync(b, server.post, { uploadBlobs: false });
    const view = (await b.record("case", "K")) as { tags: string[] };
    const seen = (await b.allOps()).filter((o) => o.kind === "add").map((o) => o.id);
    await b.commit([{ entity: "case", key: "K", kind: "remove", field: "tags", value: "x", seen }]);
    await b.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "from b" }]);
    expect(view.tags).toEqual(["x"]);
    await runSync(b, server.post, { uploadBlobs: false });
    await runSync(a, server.post, { uploadBlobs: false });
    expect(await a.record("case", "K")).toEqual(await b.record("case", "K"));
    expect(await a.record("case", "K")).toEqual(materializeAll(server.log)["case/K"]);
    expect(await a.record("case", "K")).toEqual({ summary: "from b", tags: [] });
  });

  it("a rejected intent rolls back and is reported", async () => {
    const repo = await newRepo();
    server.validate = (op) => (op.kind === "intent" ? { code: "conflict", message: "案件已被其他调解员受理" } : null);
    await repo.commit([{ entity: "case", key: "K", kind: "intent", field: "transition", value: { to: "accepted" } }]);
    const res = await runSync(repo, server.post, { uploadBlobs: false });
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
    await runSync(repo, server.post, { uploadBlobs: false });
    expect(await repo.outbox()).toEqual([]);
    const stored = server.log.find((o) => o.id === op!.id)!;
    expect(parseTs(stored.ts).ms).toBeLessThanOrEqual(server.now + 1);
    expect(await repo.record("case", "K")).toEqual({ summary: "s" });
  });

  it("evict deletes records that left the scope", async () => {
    const repo = await newRepo();
    server.serverOp({ entity: "case", key: "K", kind: "put", field: "status", value: "assigned" });
    await runSync(repo, server.post, { uploadBlobs: false });
    expect(await repo.record("case", "K")).toBeTruthy();
    server.evictNext = [{ entity: "case", key: "K" }];
    await runSync(repo, server.post, { uploadBlobs: false });
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
