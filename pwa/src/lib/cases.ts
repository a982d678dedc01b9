/** Case domain helpers on top of the store: filing, intents, messages, what to show. */
import type { Repo, NewOp } from "../store/repo";
import { ulid } from "../store/repo";
import type { FailureRow, OutboxRow, RecordRow } from "../store/db";
import { countyOf, makeCode, newTraceToken, traceHash } from "./casecode";
import { queueBlob } from "../sync/blobs";
import { FINISHED_STATES } from "./workflow";

export interface FilingInput {
  summary: string;
  description: string;
  region: string;
  channel: "online" | "in_person";
  amount: number | null;
  applicants: number;
  category: string | null;
  applicant?: { name: string; phone: string };
  respondent?: { name: string; phone: string };
  photos: Blob[];
  now?: Date;
}

export interface Filed {
  key: string;
  code: string;
  token: string;
}

/** File a case on the device, offline or not: code, token and QR are made here. */
export async function fileCase(repo: Repo, input: FilingInput): Promise<Filed> {
  const key = ulid();
  const now = input.now ?? new Date();
  const code = makeCode(countyOf(input.region), now.getFullYear());
  const token = newTraceToken();
  const hash = await traceHash(token);
  const evidence: string[] = [];
  for (const p of input.photos) evidence.push(await queueBlob(repo, p, key));
  const put = (field: string, value: unknown): NewOp => ({ entity: "case", key, kind: "put", field, value });
  const ops: NewOp[] = [
    put("code", code),
    put("summary", input.summary.trim()),
    put("description", input.description.trim()),
    put("region", input.region),
    put("channel", input.channel),
    put("amount", input.amount),
    put("applicants", input.applicants),
    put("trace_hash", hash),
  ];
  if (input.category) ops.push(put("category", input.category));
  for (const sha of evidence) ops.push({ entity: "case", key, kind: "add", field: "evidence", value: sha });
  const party = (role: string, p: { name: string; phone: string }) => {
    const pk = ulid();
    // `case` first so the server can place the party
    ops.push({ entity: "party", key: pk, kind: "put", field: "case", value: key });
    ops.push({ entity: "party", key: pk, kind: "put", field: "role", value: role });
    ops.push({ entity: "party", key: pk, kind: "put", field: "name", value: p.name.trim() });
    if (p.phone.trim()) ops.push({ entity: "party", key: pk, kind: "put", field: "phone", value: p.phone.trim() });
  };
  if (input.applicant && (input.applicant.name.trim() || input.applicant.phone.trim())) party("applicant", input.applicant);
  if (input.respondent && (input.respondent.name.trim() || input.respondent.phone.trim())) party("respondent", input.respondent);
  // the secret first: if saving ops fails, no orphan code is shown
  await repo.db.put("secrets", { case: key, code, token });
  await repo.commit(ops, key);
  return { key, code, token };
}

export async function sendIntent(repo: Repo, key: string, field: string, value: Record<string, unknown>): Promise<void> {
  await repo.commit([{ entity: "case", key, kind: "intent", field, value }], key);
}

export interface TransitionExtra {
  reason?: string;
  agreement?: string;
  ruling?: string;
  docket_no?: string;
  /** 人民调解协议书: how and by when (YYYY-MM-DD) the agreed terms are performed */
  performance?: string;
  perform_by?: string;
}

export async function transition(repo: Repo, key: string, to: string, extra: TransitionExtra = {}): Promise<void> {
  const value: Record<string, unknown> = { to };
  for (const k of ["reason", "agreement", "ruling", "docket_no", "performance", "perform_by"] as const) if (extra[k]) value[k] = extra[k];
  await sendIntent(repo, key, "transition", value);
}

export async function sendMessage(repo: Repo, caseKey: string, body: string): Promise<void> {
  await repo.commit([{ entity: "message", key: ulid(), kind: "create", value: { case: caseKey, body } }], caseKey);
}

/** pending: not all sent yet; rejected: the server refused something (the failures say what);
 * refused: nothing is waiting, yet the server never took the case in (it has no status from it);
 * synced: the server has everything. */
export type SyncBadge = "pending" | "synced" | "rejected" | "refused";

export interface CaseBundle {
  key: string;
  row: RecordRow | undefined;
  view: Record<string, unknown>;
  parties: RecordRow[];
  messages: RecordRow[];
  /** keys of the messages written on this install (their op id carries this replica) */
  mine: Set<string>;
  timeline: RecordRow[];
  outbox: OutboxRow[];
  failures: FailureRow[];
  secret: { code: string; token: string } | undefined;
  /** the status to show: a pending transition intent shows optimistically */
  status: string | undefined;
  pendingTo: string | undefined;
  paused: boolean;
  badge: SyncBadge;
}

const tsOf = (r: RecordRow) => (typeof r.view["at"] === "string" ? Date.parse(r.view["at"] as string) || r.first : r.first);
/** Oldest first. Events of one server unit of work share a millisecond and differ in the microseconds
 * of `at` (routing/service.py `_timeline`), which Date.parse drops: compare the text then. */
const byTime = (a: RecordRow, b: RecordRow) => tsOf(a) - tsOf(b) || String(a.view["at"] ?? "").localeCompare(String(b.view["at"] ?? ""));

export function badgeOf(outbox: OutboxRow[], failures: FailureRow[], serverHasIt = true): SyncBadge {
  if (failures.length) return "rejected";
  if (outbox.length) return "pending";
  return serverHasIt ? "synced" : "refused";
}

/** The server writes a case's status when it takes the case in: until then the case is not there. */
const serverHas = (view: Record<string, unknown>) => typeof view["status"] === "string";

export async function loadCase(repo: Repo, key: string): Promise<CaseBundle> {
  const [row, related, outbox, failures, secret] = await Promise.all([
    repo.row("case", key),
    repo.related(key),
    repo.outboxFor(key),
    repo.failuresFor(key),
    repo.db.get("secrets", key),
  ]);
  const by = (e: string) => related.filter((r) => r.entity === e).sort(byTime);
  const view = row?.view ?? {};
  const messages = by("message");
  const mine = new Set<string>();
  for (const m of messages) {
    const ops = await repo.db.getAllFromIndex("ops", "rid", m.rid);
    if (ops.some((o) => o.id.startsWith(`${repo.replica}:`))) mine.add(m.key);
  }
  let pendingTo: string | undefined;
  let paused = view["paused"] === true;
  for (const o of outbox) {
    if (o.op.kind !== "intent" || o.op.entity !== "case") continue;
    const v = (o.op.value ?? {}) as Record<string, unknown>;
    if (o.op.field === "transition" && typeof v["to"] === "string") pendingTo = v["to"];
    if (o.op.field === "pause") paused = true;
    if (o.op.field === "resume") paused = false;
  }
  return {
    key,
    row,
    view,
    parties: by("party"),
    messages,
    mine,
    timeline: by("timeline"),
    outbox,
    failures,
    secret: secret ? { code: secret.code, token: secret.token } : undefined,
    status: pendingTo ?? (view["status"] as string | undefined),
    pendingTo,
    paused,
    badge: badgeOf(outbox, failures, serverHas(view)),
  };
}

export interface CaseListItem {
  key: string;
  view: Record<string, unknown>;
  first: number;
  status: string | undefined;
  badge: SyncBadge;
  failure?: string;
}

export async function listCases(repo: Repo): Promise<CaseListItem[]> {
  const [rows, outbox, failures, secrets] = await Promise.all([repo.records("case"), repo.outbox(), repo.db.getAll("failures"), repo.db.getAll("secrets")]);
  const items: CaseListItem[] = rows.map((r) => {
    const ob = outbox.filter((o) => o.case === r.key);
    const fl = failures.filter((f) => f.case === r.key);
    let pendingTo: string | undefined;
    for (const o of ob) {
      const v = (o.op.value ?? {}) as Record<string, unknown>;
      if (o.op.kind === "intent" && o.op.field === "transition" && typeof v["to"] === "string") pendingTo = v["to"];
    }
    return {
      key: r.key,
      view: r.view,
      first: r.first,
      status: pendingTo ?? (r.view["status"] as string | undefined),
      badge: badgeOf(ob, fl, serverHas(r.view)),
      failure: fl[0]?.message,
    };
  });
  // A case filed here that the server refused as a whole has no record left: keep it in the list,
  // with its code and why, so it never just disappears.
  const shown = new Set(rows.map((r) => r.key));
  for (const sec of secrets) {
    if (shown.has(sec.case)) continue;
    const fl = failures.filter((f) => f.case === sec.case);
    items.push({ key: sec.case, view: { code: sec.code }, first: fl[0]?.at ?? 0, status: undefined, badge: badgeOf([], fl, false), failure: fl[0]?.message });
  }
  return items.sort((a, b) => b.first - a.first);
}

export { COURT_STATES, OPEN_STATES, TERMINAL_STATES as TERMINAL } from "./workflow";

export type DeadlineLevel = "ok" | "warn" | "breach";

/** Colour of a deadline: breach when past, warn when ≤ 25 % of the time is left. */
export function deadlineLevel(deadline: string | null | undefined, start: number, now = Date.now(), warnFraction = 0.25): DeadlineLevel | null {
  if (!deadline) return null;
  const end = Date.parse(deadline);
  if (!Number.isFinite(end)) return null;
  if (now >= end) return "breach";
  const total = end - start;
  if (total <= 0) return "warn";
  return (end - now) / total <= warnFraction ? "warn" : "ok";
}

/** The deadline that matters now for a case, with when its clock started. */
export function activeDeadline(item: { view: Record<string, unknown>; first: number; status?: string }, timeline: RecordRow[] = []): { kind: "respond" | "resolve"; at: string; start: number } | null {
  const v = item.view;
  const status = item.status ?? (v["status"] as string | undefined);
  const eventAt = (to: string) => {
    const e = [...timeline].reverse().find((r) => r.view["to"] === to);
    return e ? tsOf(e) : null;
  };
  // The server keeps only the deadline that runs now: respond_by until a case is taken up (or the
  // court answers), then resolve_by; it clears both when the case leaves mediation.
  if (!status || FINISHED_STATES.has(status)) return null;
  const start = eventAt(status) ?? item.first;
  if (typeof v["respond_by"] === "string") return { kind: "respond", at: v["respond_by"], start };
  if (typeof v["resolve_by"] === "string") return { kind: "resolve", at: v["resolve_by"], start };
  return null;
}
