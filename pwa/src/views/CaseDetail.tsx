import { useEffect, useState } from "preact/hooks";
import { t, lang, eventLabel, roleLabel, statusLabel } from "../i18n";
import { ctx, isStaff, session, toast, useLive } from "../app/state";
import { useSignal } from "../lib/signal";
import { Link } from "../router";
import { Big, CaseSyncBadge, Empty, Page, StatusLabel, fmtTime } from "../ui";
import { activeDeadline, deadlineLevel, loadCase, OPEN_STATES, sendIntent, sendMessage, transition, type CaseBundle, type TransitionExtra } from "../lib/cases";
import { categoryName, CATEGORIES } from "../lib/categories";
import { cachedRegions, regionName } from "../lib/regions";
import { cachedMediators, cachedOrgs, orgName, refreshMediators, refreshOrgs, type Org } from "../lib/orgs";
import { StorageFullError } from "../store/db";

interface Ask {
  id: string;
  label: string;
  field: "reason" | "agreement" | "ruling" | "docket_no";
  /** the server refuses the move without this text (routing/transitions.py) */
  required?: boolean;
  run: (text: string) => Promise<void>;
  extra?: "category";
}

const FIELD_LABEL = { reason: "reason", agreement: "agreement", ruling: "ruling", docket_no: "docket_no" } as const;
const FIELD_MAX = { reason: 500, agreement: 5000, ruling: 100, docket_no: 100 } as const;

/** Load organisation names once (and this staff member's own mediators) when a case shows an id we cannot name. */
function useNames(org: unknown, mediator: unknown, staffOrg: string | null | undefined): { orgs: Org[]; mediatorName: string | null } {
  const orgs = useLive(() => cachedOrgs(ctx.repo), []) ?? [];
  const mediators = useLive(() => (typeof org === "string" && org ? cachedMediators(ctx.repo, org) : Promise.resolve([])), [String(org ?? "")]) ?? [];
  const known = orgName(orgs, org) !== null;
  useEffect(() => {
    if (typeof org === "string" && org && !known) void refreshOrgs(ctx.repo).catch(() => {});
  }, [String(org ?? ""), known]);
  const mediatorKnown = mediators.some((m) => m.id === mediator);
  useEffect(() => {
    if (typeof org !== "string" || !org || org !== staffOrg || typeof mediator !== "string" || mediatorKnown) return;
    void (async () => {
      const token = await ctx.repo.getMeta<string>("token");
      if (token) await refreshMediators(ctx.repo, org, token).catch(() => {});
    })();
  }, [String(org ?? ""), String(mediator ?? ""), staffOrg, mediatorKnown]);
  return { orgs, mediatorName: mediators.find((m) => m.id === mediator)?.name ?? null };
}

function run(p: Promise<void>) {
  p.then(
    () => ctx.sync.schedule(200),
    (e) => toast(e instanceof StorageFullError ? t("storage_full") : String((e as Error).message ?? e), "error"),
  );
}

export function CaseDetail({ id }: { id: string }) {
  useSignal(lang);
  const sess = useSignal(session);
  const b = useLive(() => loadCase(ctx.repo, id), [id]);
  const regions = useLive(() => cachedRegions(ctx.repo), []);
  const [ask, setAsk] = useState<Ask | null>(null);
  const [text, setText] = useState("");
  const [cat, setCat] = useState("");
  const [msg, setMsg] = useState("");
  const names = useNames(b?.view["org"], b?.view["mediator"], sess.user?.org);

  if (!b) return <Page title={t("case_detail")}>{t("loading")}</Page>;
  if (!b.row) {
    return (
      <Page title={t("case_detail")} testid="page-case">
        <Empty text={t("not_found")} />
      </Page>
    );
  }
  const v = b.view;
  const staff = isStaff(sess.role);
  const mediatorRole = ["mediator", "org_admin", "admin"].includes(sess.role);
  const filerRole = sess.role === "citizen" || sess.role === "grid_worker";
  const courtRole = sess.role === "court_clerk" || sess.role === "admin";
  const status = b.status;
  const open = !status || OPEN_STATES.has(status);
  const deadline = activeDeadline({ view: v, first: b.row.first, status }, b.timeline);
  const level = deadline ? deadlineLevel(deadline.at, deadline.start) : null;

  const askFor = (a: Ask) => {
    setText("");
    setCat(String(v["category"] ?? ""));
    setAsk(a);
  };
  const move = (to: string, field: keyof TransitionExtra) => (text: string) => transition(ctx.repo, id, to, { [field]: text });
  const org = orgName(names.orgs, v["org"]);

  return (
    <Page title={t("case_detail")} back="/cases" testid="page-case">
      <section class="card" data-testid="case-head" data-key={id}>
        <h2 class="summary" data-testid="case-summary">
          {String(v["summary"] ?? "")}
        </h2>
        <p class="mono" data-testid="case-code">
          {String(v["code"] ?? "")}
        </p>
        <p class="status-line">
          <StatusLabel status={status} />
          {b.pendingTo ? <span class="badge pending">{t("sync_pending")}</span> : null}
          {b.paused ? (
            <span class="badge paused" data-testid="case-paused">
              {t("paused")}
            </span>
          ) : null}
          <CaseSyncBadge badge={b.badge} reason={b.failures[0]?.message} />
        </p>
        {b.failures.map((f) => (
          <div class="banner failed" role="alert" data-testid="case-failure" key={f.id}>
            {f.intent ? `${t("rejected")}：` : `${t("sync_failed")}：`}
            {f.message}
            <button type="button" class="link" onClick={() => void ctx.repo.dismissFailure(f.id)}>
              {t("dismiss")}
            </button>
          </div>
        ))}
        {staff && deadline ? (
          <p class={`deadline ${level ?? ""}`} data-testid="case-deadline" data-level={level ?? ""}>
            {deadline.kind === "respond" ? t("deadline_respond") : t("deadline_resolve")}：{fmtTime(deadline.at)}
            {level === "breach" ? ` · ${t("overdue")}` : ""}
          </p>
        ) : null}
        <dl class="facts">
          {v["category"] ? (
            <>
              <dt>{t("category")}</dt>
              <dd data-testid="case-category">{categoryName(String(v["category"]), lang.value)}</dd>
            </>
          ) : null}
          <dt>{t("village")}</dt>
          <dd>{regionName(regions ?? [], String(v["region"] ?? ""))}</dd>
          <dt>{t("filed_at")}</dt>
          <dd>{fmtTime(b.row.first)}</dd>
          {v["amount"] != null ? (
            <>
              <dt>{t("amount")}</dt>
              <dd>{String(v["amount"])}</dd>
            </>
          ) : null}
          {v["org"] ? (
            <>
              <dt>{t("org")}</dt>
              <dd data-testid="case-org">{org ?? t("org_pending")}</dd>
            </>
          ) : null}
          {v["mediator"] ? (
            <>
              <dt>{t("mediator")}</dt>
              <dd data-testid="case-mediator">{names.mediatorName ?? (org ? `${org}${t("mediator")}` : t("mediator_assigned"))}</dd>
            </>
          ) : null}
        </dl>
        {v["description"] ? <p class="description">{String(v["description"])}</p> : null}
        {b.secret ? (
          <Link href={`/cases/${id}/qr`} class="btn secondary block" data-testid="case-show-qr">
            {t("show_qr")}
          </Link>
        ) : null}
      </section>

      {b.parties.length ? (
        <section class="card">
          <h3>{t("parties")}</h3>
          <ul class="plain" data-testid="case-parties">
            {b.parties.map((p) => (
              <li key={p.key}>
                {t((p.view["role"] as "applicant") ?? "applicant")}：{String(p.view["name"] ?? "")} {p.view["phone"] ? `· ${String(p.view["phone"])}` : ""}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section class="card actions" aria-label="actions">
        {mediatorRole && (status === "assigned" || status === "submitted" || status === "escalated") ? (
          <>
            <Big data-testid="action-accept" onClick={() => run(transition(ctx.repo, id, "accepted"))}>
              {t("accept")}
            </Big>
            <Big kind="danger" data-testid="action-decline" onClick={() => askFor({ id: "decline", label: t("decline"), field: "reason", required: true, run: move("declined", "reason") })}>
              {t("decline")}
            </Big>
          </>
        ) : null}
        {mediatorRole && status === "accepted" ? (
          <>
            <Big data-testid="action-resolve" onClick={() => askFor({ id: "resolve", label: t("resolve"), field: "agreement", required: true, run: move("resolved", "agreement") })}>
              {t("resolve")}
            </Big>
            <Big kind="danger" data-testid="action-fail" onClick={() => askFor({ id: "fail", label: t("fail"), field: "reason", required: true, run: move("failed", "reason") })}>
              {t("fail")}
            </Big>
            {b.paused ? (
              <Big kind="secondary" data-testid="action-resume" onClick={() => askFor({ id: "resume", label: t("resume"), field: "reason", run: (r) => sendIntent(ctx.repo, id, "resume", { reason: r }) })}>
                {t("resume")}
              </Big>
            ) : (
              <Big kind="secondary" data-testid="action-pause" onClick={() => askFor({ id: "pause", label: t("pause"), field: "reason", run: (r) => sendIntent(ctx.repo, id, "pause", { reason: r }) })}>
                {t("pause")}
              </Big>
            )}
          </>
        ) : null}
        {mediatorRole && open ? (
          <Big
            kind="secondary"
            data-testid="action-correct-category"
            onClick={() => askFor({ id: "category", label: t("correct_category"), field: "reason", extra: "category", run: (r) => sendIntent(ctx.repo, id, "correct_category", { category: cat, reason: r }) })}
          >
            {t("correct_category")}
          </Big>
        ) : null}
        {filerRole && open && status !== undefined ? (
          <Big kind="danger" data-testid="action-withdraw" onClick={() => askFor({ id: "withdraw", label: t("withdraw"), field: "reason", run: (r) => transition(ctx.repo, id, "withdrawn", r ? { reason: r } : {}) })}>
            {t("withdraw")}
          </Big>
        ) : null}
        {(filerRole || mediatorRole) && status === "resolved" ? (
          <Big kind="secondary" data-testid="action-request-confirmation" onClick={() => run(transition(ctx.repo, id, "confirmation_requested"))}>
            {t("request_confirmation")}
          </Big>
        ) : null}
        {(filerRole || mediatorRole) && (status === "failed" || status === "confirmation_denied") ? (
          <Big kind="secondary" data-testid="action-request-filing" onClick={() => run(transition(ctx.repo, id, "filing_requested"))}>
            {t("request_filing")}
          </Big>
        ) : null}
        {courtRole && status === "confirmation_requested" ? (
          <>
            <Big data-testid="action-confirm-ruling" onClick={() => askFor({ id: "ruling", label: t("confirm_ruling"), field: "ruling", required: true, run: move("confirmed", "ruling") })}>
              {t("confirm_ruling")}
            </Big>
            <Big kind="danger" data-testid="action-deny-confirmation" onClick={() => askFor({ id: "deny", label: t("deny_confirmation"), field: "reason", required: true, run: move("confirmation_denied", "reason") })}>
              {t("deny_confirmation")}
            </Big>
          </>
        ) : null}
        {courtRole && status === "filing_requested" ? (
          <Big data-testid="action-file-docket" onClick={() => askFor({ id: "docket", label: t("file_docket"), field: "docket_no", required: true, run: move("filed", "docket_no") })}>
            {t("file_docket")}
          </Big>
        ) : null}
        {ask ? (
          <form
            class="ask"
            data-testid={`ask-${ask.id}`}
            onSubmit={(e) => {
              e.preventDefault();
              if (ask.required && !text.trim()) {
                document.querySelector<HTMLTextAreaElement>('[data-testid="ask-text"]')?.focus();
                return;
              }
              if (ask.extra === "category" && !cat) return;
              const a = ask;
              setAsk(null);
              run(a.run(text.trim()));
            }}
          >
            <h3>{ask.label}</h3>
            {ask.id === "withdraw" ? <p>{t("withdraw_confirm")}</p> : null}
            {ask.extra === "category" ? (
              <select aria-label={t("category")} data-testid="ask-category" value={cat} onChange={(e) => setCat(e.currentTarget.value)}>
                <option value="">{t("choose")}</option>
                {CATEGORIES.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c[lang.value]}
                  </option>
                ))}
              </select>
            ) : null}
            <label>
              {t(FIELD_LABEL[ask.field])}
              {ask.field === "ruling" || ask.field === "docket_no" ? (
                <input data-testid="ask-text" value={text} required onInput={(e) => setText(e.currentTarget.value)} maxLength={FIELD_MAX[ask.field]} />
              ) : (
                <textarea rows={3} data-testid="ask-text" value={text} required={ask.required} onInput={(e) => setText(e.currentTarget.value)} maxLength={FIELD_MAX[ask.field]} />
              )}
            </label>
            <div class="row">
              <Big type="submit" data-testid="ask-confirm">
                {t("confirm")}
              </Big>
              <Big kind="secondary" data-testid="ask-cancel" onClick={() => setAsk(null)}>
                {t("cancel")}
              </Big>
            </div>
          </form>
        ) : null}
      </section>

      <Timeline b={b} orgs={names.orgs} />
      <Messages b={b} msg={msg} setMsg={setMsg} id={id} />
      <Evidence b={b} />
    </Page>
  );
}

function Timeline({ b, orgs }: { b: CaseBundle; orgs: Org[] }) {
  return (
    <section class="card">
      <h3>{t("timeline")}</h3>
      {b.timeline.length === 0 ? (
        <p class="hint">{statusLabel(b.status)}</p>
      ) : (
        <ol class="timeline" data-testid="case-timeline">
          {b.timeline.map((e) => {
            const ev = e.view;
            const event = typeof ev["event"] === "string" ? (ev["event"] as string) : "";
            const to = typeof ev["to"] === "string" ? (ev["to"] as string) : null;
            const role = typeof ev["actor_role"] === "string" ? (ev["actor_role"] as string) : "";
            const name = typeof ev["actor_name"] === "string" ? (ev["actor_name"] as string) : "";
            const who = role === "system" || (!role && ev["actor"] === "system") ? t("system_actor") : name ? `${name}（${roleLabel(role)}）` : roleLabel(role);
            const toOrg = event === "assigned" && ev["org"] ? (orgName(orgs, ev["org"]) ?? t("org_pending")) : null;
            const details: [string, unknown][] = [
              [t("agreement_label"), ev["agreement"]],
              [t("ruling"), ev["ruling"]],
              [t("docket_no"), ev["docket_no"]],
            ];
            return (
              <li key={e.key} data-testid="timeline-item" data-event={event}>
                <strong data-testid="timeline-label">
                  {eventLabel(event, to)}
                  {toOrg ? `：${toOrg}` : ""}
                </strong>
                <span class="who" data-testid="timeline-who">
                  {who}
                </span>
                <time data-testid="timeline-at">{fmtTime(ev["at"] ?? e.first)}</time>
                {details.map(([label, value]) =>
                  typeof value === "string" && value ? (
                    <p class="reason" key={label}>
                      {label}：{value}
                    </p>
                  ) : null,
                )}
                {ev["reason"] && ev["reason"] !== ev["agreement"] ? (
                  <p class="reason" data-testid="timeline-reason">
                    {String(ev["reason"])}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function Messages({ b, msg, setMsg, id }: { b: CaseBundle; msg: string; setMsg: (s: string) => void; id: string }) {
  const pendingIds = new Set(b.outbox.map((o) => o.op.key));
  return (
    <section class="card">
      <h3>{t("messages")}</h3>
      <ul class="chat" data-testid="case-messages">
        {b.messages.map((m) => (
          <li key={m.key} class={`${pendingIds.has(m.key) ? "pending" : ""} ${b.mine.has(m.key) ? "mine" : "theirs"}`} data-testid="message-item" data-mine={b.mine.has(m.key) ? "1" : "0"}>
            <strong class="who" data-testid="message-who">
              {b.mine.has(m.key) ? t("me") : t("other_side")}
            </strong>
            <p>{String(m.view["body"] ?? "")}</p>
            <small>
              {fmtTime(m.first)} {pendingIds.has(m.key) ? `· ${t("sync_pending")}` : ""}
            </small>
          </li>
        ))}
      </ul>
      <form
        class="chat-input"
        onSubmit={(e) => {
          e.preventDefault();
          const body = msg.trim();
          if (!body) return;
          setMsg("");
          run(sendMessage(ctx.repo, id, body));
        }}
      >
        <textarea rows={2} aria-label={t("message_ph")} placeholder={t("message_ph")} data-testid="message-input" value={msg} maxLength={2000} onInput={(e) => setMsg(e.currentTarget.value)} />
        <Big type="submit" data-testid="message-send">
          {t("send")}
        </Big>
      </form>
    </section>
  );
}

function Evidence({ b }: { b: CaseBundle }) {
  const list = Array.isArray(b.view["evidence"]) ? (b.view["evidence"] as string[]) : [];
  const [urls, setUrls] = useState<Record<string, string>>({});
  useEffect(() => {
    let alive = true;
    const made: string[] = [];
    (async () => {
      const token = await ctx.repo.getMeta<string>("token");
      for (const sha of list) {
        const local = await ctx.repo.db.get("blobs", sha);
        let blob: Blob | null = local?.data ?? null;
        if (!blob && token) {
          try {
            const r = await fetch(`/api/v1/blobs/${sha}`, { headers: { Authorization: `Bearer ${token}` } });
            if (r.ok) blob = await r.blob();
          } catch {
            /* offline */
          }
        }
        if (blob && alive) {
          const u = URL.createObjectURL(blob);
          made.push(u);
          setUrls((x) => ({ ...x, [sha]: u }));
        }
      }
    })();
    return () => {
      alive = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [list.join(",")]);
  if (!list.length) return null;
  return (
    <section class="card">
      <h3>{t("evidence")}</h3>
      <div class="thumbs" data-testid="case-evidence" data-count={list.length}>
        {list.map((sha) => (urls[sha] ? <img key={sha} src={urls[sha]} alt={t("evidence")} /> : <span key={sha} class="thumb placeholder" />))}
      </div>
    </section>
  );
}
