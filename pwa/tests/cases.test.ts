import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHash } from "node:crypto";
import { Repo } from "../src/store/repo";
import { activeDeadline, deadlineLevel, fileCase, listCases, loadCase, sendMessage, transition } from "../src/lib/cases";
import { isValidCode, parseQr, traceUrl } from "../src/lib/casecode";
import { runSync } from "../src/sync/client";
import { FakeBlobServer, FakeServer } from "./fakeserver";
import { fitSize } from "../src/lib/image";
import { eventLabel } from "../src/i18n";
import { orgName } from "../src/lib/orgs";

let n = 0;
let repo: Repo;
beforeEach(async () => {
  repo = await Repo.open(`test-cases-${n++}`);
  await repo.setMeta("token", "tok");
  vi.stubGlobal("fetch", new FakeBlobServer().fetch); // syncs below upload evidence too
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const input = {
  summary: "邻居装修噪音",
  description: "晚上十点还在装修",
  region: "330522001008",
  channel: "online" as const,
  amount: 500,
  applicants: 1,
  category: "neighbor",
  applicant: { name: "张三", phone: "13800001234" },
  respondent: { name: "王五", phone: "" },
  photos: [new Blob([new Uint8Array([1, 2, 3])], { type: "image/jpeg" })],
  now: new Date("2026-03-01T10:00:00+08:00"),
};

describe("filing on the device", () => {
  it("makes the code, token, hash, parties and evidence, offline", async () => {
    const filed = await fileCase(repo, input);
    expect(filed.code).toMatch(/^JF-330522-2026-/);
    expect(isValidCode(filed.code)).toBe(true);
    const b = await loadCase(repo, filed.key);
    expect(b.view["trace_hash"]).toBe(createHash("sha256").update(filed.token).digest("hex"));
    expect(b.view["evidence"]).toEqual([createHash("sha256").update(Buffer.from([1, 2, 3])).digest("hex")]);
    expect(b.parties.map((p) => [p.view["role"], p.view["name"]]).sort()).toEqual([
      ["applicant", "张三"],
      ["respondent", "王五"],
    ]);
    expect(b.badge).toBe("pending");
    expect(b.secret?.token).toBe(filed.token);
    // the token never leaves the device except in the QR: no op carries it
    expect(JSON.stringify(await repo.outbox())).not.toContain(filed.token);
    // a party's `put case` goes before its other fields
    const ops = (await repo.outbox()).map((r) => r.op);
    const firstParty = ops.findIndex((o) => o.entity === "party");
    expect(ops[firstParty]!.field).toBe("case");
    expect(ops.slice(0, firstParty).every((o) => o.entity === "case")).toBe(true);
    const qr = traceUrl("http://127.0.0.1:8000", filed.code, filed.token);
    expect(parseQr(qr)).toEqual({ kind: "case", code: filed.code, token: filed.token });
  });

  it("shows a pending transition optimistically and rolls back on rejection", async () => {
    const server = new FakeServer();
    const filed = await fileCase(repo, { ...input, photos: [] });
    await runSync(repo, server.post);
    server.serverOp({ entity: "case", key: filed.key, kind: "put", field: "status", value: "assigned" });
    await runSync(repo, server.post);
    expect((await loadCase(repo, filed.key)).badge).toBe("synced");
    await transition(repo, filed.key, "withdrawn", { reason: "已和好" });
    let b = await loadCase(repo, filed.key);
    expect(b.status).toBe("withdrawn");
    expect(b.badge).toBe("pending");
    expect((await listCases(repo))[0]!.status).toBe("withdrawn");
    server.validate = (op) => (op.kind === "intent" ? { code: "bad_transition", message: "案件已受理，不能撤回" } : null);
    await runSync(repo, server.post);
    b = await loadCase(repo, filed.key);
    expect(b.status).toBe("assigned");
    expect(b.badge).toBe("rejected");
    expect(b.failures[0]!.message).toBe("案件已受理，不能撤回");
    await repo.dismissFailure(b.failures[0]!.id);
    expect((await loadCase(repo, filed.key)).badge).toBe("synced");
  });

  it("a case the server refuses as a whole never reads 已同步 and does not vanish (issue #10)", async () => {
    const server = new FakeServer();
    const filed = await fileCase(repo, { ...input, region: "110101001001", photos: [] });
    const why = "字段值不正确：本平台不受理该地区（110101001001）的纠纷，请选择本县的村（社区）";
    server.validate = (op) => (op.entity === "case" ? { code: "bad_value", message: why } : { code: "unknown_parent", message: "案件不存在" });
    await runSync(repo, server.post);
    let b = await loadCase(repo, filed.key);
    expect(b.row).toBeUndefined();
    expect(b.badge).toBe("rejected");
    expect(b.failures.map((f) => f.message)).toContain(why);
    let listed = (await listCases(repo)).find((c) => c.key === filed.key)!;
    expect(listed.view["code"]).toBe(filed.code);
    expect(listed.badge).toBe("rejected");
    for (const f of b.failures) await repo.dismissFailure(f.id);
    b = await loadCase(repo, filed.key);
    expect(b.badge).toBe("refused");
    listed = (await listCases(repo)).find((c) => c.key === filed.key)!;
    expect(listed.badge).toBe("refused");
  });

  it("messages are create ops attached to the case", async () => {
    const filed = await fileCase(repo, { ...input, photos: [] });
    await sendMessage(repo, filed.key, "什么时候调解？");
    const b = await loadCase(repo, filed.key);
    expect(b.messages.map((m) => m.view["body"])).toEqual(["什么时候调解？"]);
    const op = (await repo.outbox()).at(-1)!.op;
    expect(op).toMatchObject({ entity: "message", kind: "create", field: null, value: { case: filed.key, body: "什么时候调解？" } });
  });

  it("tells own messages from the other side's by the op's replica", async () => {
    const filed = await fileCase(repo, { ...input, photos: [] });
    await sendMessage(repo, filed.key, "我的话");
    await repo.applyRemote([
      { id: "srvX:1", ts: "009999999999999:0000:srvX", entity: "message", key: "M2", kind: "create", field: null, value: { case: filed.key, body: "调解员的话" }, seq: 1 },
    ]);
    const b = await loadCase(repo, filed.key);
    const who = Object.fromEntries(b.messages.map((m) => [m.view["body"], b.mine.has(m.key)]));
    expect(who).toEqual({ 我的话: true, 调解员的话: false });
  });

  it("sends the court's ruling and docket numbers with the move", async () => {
    const filed = await fileCase(repo, { ...input, photos: [] });
    await transition(repo, filed.key, "confirmed", { ruling: "（2026）浙0522民特1号" });
    await transition(repo, filed.key, "filed", { docket_no: "（2026）浙0522民初2号", reason: "" });
    const ops = (await repo.outbox()).slice(-2).map((o) => o.op.value);
    expect(ops).toEqual([
      { to: "confirmed", ruling: "（2026）浙0522民特1号" },
      { to: "filed", docket_no: "（2026）浙0522民初2号" },
    ]);
  });
});

describe("names and events", () => {
  it("timeline events read in the server's words; unknown ones fall back to the state", () => {
    expect(eventLabel("escalated", "escalated")).toBe("已上移");
    expect(eventLabel("paused", "accepted")).toBe("调解暂停");
    expect(eventLabel("confirmation_denied", "confirmation_denied")).toBe("司法确认被驳回");
    expect(eventLabel("something_new", "accepted")).toBe("已受理");
    expect(eventLabel("something_new", null)).toBe("案件进展");
  });
  it("organisation ids become names, never shown raw", () => {
    const orgs = [{ id: "org-330522001008-rmtw", name: "雉城社区人民调解委员会", level: "village", kind: "people", region: "330522001008" }];
    expect(orgName(orgs, "org-330522001008-rmtw")).toBe("雉城社区人民调解委员会");
    expect(orgName(orgs, "org-unknown")).toBeNull();
    expect(orgName(orgs, null)).toBeNull();
  });
  it("a court clerk's deadline is the court's respond_by", () => {
    const view = { respond_by: "2026-03-11T00:00:00Z", resolve_by: "2026-04-11T00:00:00Z" };
    expect(activeDeadline({ view, first: 0, status: "confirmation_requested" })).toMatchObject({ kind: "respond", at: view.respond_by });
    expect(activeDeadline({ view, first: 0, status: "filing_requested" })?.kind).toBe("respond");
  });
});

describe("deadlines", () => {
  const start = Date.parse("2026-03-01T00:00:00Z");
  const end = "2026-03-11T00:00:00Z"; // 10 days
  it("ok, warn at ≤ 25 % left, breach when past", () => {
    expect(deadlineLevel(end, start, start + 5 * 86400e3)).toBe("ok");
    expect(deadlineLevel(end, start, start + 7.5 * 86400e3)).toBe("warn");
    expect(deadlineLevel(end, start, start + 9 * 86400e3)).toBe("warn");
    expect(deadlineLevel(end, start, start + 10 * 86400e3)).toBe("breach");
    expect(deadlineLevel(null, start)).toBeNull();
  });
  it("respond_by while assigned, resolve_by once accepted", () => {
    const view = { respond_by: end, resolve_by: "2026-04-01T00:00:00Z" };
    expect(activeDeadline({ view, first: start, status: "assigned" })?.kind).toBe("respond");
    // the server clears respond_by when the case is accepted (routing/service.py)
    expect(activeDeadline({ view: { ...view, respond_by: null }, first: start, status: "accepted" })?.kind).toBe("resolve");
    expect(activeDeadline({ view, first: start, status: "resolved" })).toBeNull();
  });
});

describe("photo resize", () => {
  it("fits the long side into 1280 px", () => {
    expect(fitSize(4000, 3000)).toEqual({ w: 1280, h: 960 });
    expect(fitSize(900, 1600)).toEqual({ w: 720, h: 1280 });
    expect(fitSize(800, 600)).toEqual({ w: 800, h: 600 });
  });
});
