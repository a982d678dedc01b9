import { beforeEach, describe, expect, it } from "vitest";
import { Repo, ulid } from "../src/store/repo";
import { StorageFullError, guardQuota } from "../src/store/db";

let n = 0;
let repo: Repo;
beforeEach(async () => {
  repo = await Repo.open(`test-store-${n++}`);
});

describe("local store", () => {
  it("keeps a stable replica id and counter across opens", async () => {
    const name = `test-store-reopen`;
    const a = await Repo.open(name);
    await a.commit([{ entity: "case", key: "K1", kind: "put", field: "summary", value: "x" }]);
    a.db.close();
    const b = await Repo.open(name);
    expect(b.replica).toBe(a.replica);
    const [op] = await b.commit([{ entity: "case", key: "K1", kind: "put", field: "summary", value: "y" }]);
    expect(op!.id).toBe(`${a.replica}:2`);
  });

  it("applies local ops optimistically and queues them in order", async () => {
    const key = ulid();
    await repo.commit([
      { entity: "case", key, kind: "put", field: "summary", value: "邻居噪音" },
      { entity: "case", key, kind: "add", field: "tags", value: "噪音" },
      { entity: "party", key: "P1", kind: "put", field: "case", value: key },
      { entity: "party", key: "P1", kind: "put", field: "name", value: "张三" },
    ]);
    expect(await repo.record("case", key)).toEqual({ summary: "邻居噪音", tags: ["噪音"] });
    expect(await repo.record("party", "P1")).toEqual({ case: key, name: "张三" });
    const box = await repo.outbox();
    expect(box.map((r) => r.op.field)).toEqual(["summary", "tags", "case", "name"]);
    expect(box.every((r) => r.case === key)).toBe(true);
    expect((await repo.related(key)).map((r) => r.rid).sort()).toEqual([`case/${key}`, "party/P1"]);
    const ts = box.map((r) => r.op.ts);
    expect([...ts].sort()).toEqual(ts);
  });

  it("intents are queued but change no state", async () => {
    await repo.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "s" }]);
    await repo.commit([{ entity: "case", key: "K", kind: "intent", field: "transition", value: { to: "withdrawn" } }]);
    expect(await repo.record("case", "K")).toEqual({ summary: "s" });
    expect((await repo.outboxFor("K")).length).toBe(2);
  });

  it("ack empties the outbox; reject rolls back and records why", async () => {
    const [a, b] = await repo.commit([
      { entity: "case", key: "K", kind: "put", field: "summary", value: "s" },
      { entity: "case", key: "K", kind: "put", field: "status", value: "accepted" },
    ]);
    await repo.ack([a!.id]);
    const f = await repo.reject([{ id: b!.id, code: "server_only_field", message: "该字段只能由服务器设置" }]);
    expect(f[0]!.case).toBe("K");
    expect(await repo.outbox()).toEqual([]);
    expect(await repo.record("case", "K")).toEqual({ summary: "s" });
    expect((await repo.failuresFor("K"))[0]!.message).toContain("服务器");
  });

  it("applies remote changes idempotently and evicts a case with its records", async () => {
    const ops = [
      { id: "srv:1", ts: "001763779200000:0000:srv", entity: "case", key: "K", kind: "put" as const, field: "status", value: "assigned", seq: 1 },
      { id: "srv:2", ts: "001763779200001:0000:srv", entity: "message", key: "M", kind: "create" as const, field: null, value: { case: "K", body: "你好" }, seq: 2 },
    ];
    await repo.applyRemote(ops);
    await repo.applyRemote(ops);
    expect(await repo.record("case", "K")).toEqual({ status: "assigned" });
    expect(await repo.record("message", "M")).toEqual({ case: "K", body: "你好" });
    await repo.evict([{ entity: "case", key: "K" }]);
    expect(await repo.record("case", "K")).toBeUndefined();
    expect(await repo.record("message", "M")).toBeUndefined();
    expect(await repo.allOps()).toEqual([]);
  });

  it("restamp gives rejected ops a corrected clock", async () => {
    const [op] = await repo.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "s" }]);
    await repo.restamp([op!.id], "000000000001000:0000:serverMain");
    const [row] = await repo.outbox();
    expect(row!.op.id).toBe(op!.id);
    // after the server's time, on the corrected physical clock (a millisecond may tick in between)
    const ms = parseInt(row!.op.ts.slice(0, 15), 10);
    expect(row!.op.ts > "000000000001000:0000:serverMain").toBe(true);
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(2000);
  });

  it("notifies subscribers of changes", async () => {
    let calls = 0;
    repo.subscribe(() => calls++);
    await repo.commit([{ entity: "case", key: "K", kind: "put", field: "summary", value: "s" }]);
    expect(calls).toBeGreaterThan(0);
  });

  it("turns quota errors into StorageFullError", async () => {
    const quota = Object.assign(new Error("full"), { name: "QuotaExceededError" });
    await expect(guardQuota(() => Promise.reject(quota))).rejects.toBeInstanceOf(StorageFullError);
  });
});
