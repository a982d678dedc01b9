import { useState } from "preact/hooks";
import { t, lang, roleLabel } from "../i18n";
import { ctx, online, session, toast, useLive } from "../app/state";
import { useSignal } from "../lib/signal";
import { Link, navigate } from "../router";
import { Big, Empty, Field, Page } from "../ui";
import { login } from "../app/auth";
import { ApiError, NetworkError } from "../lib/api";
import { activeDeadline, COURT_STATES, deadlineLevel, listCases, OPEN_STATES, type CaseListItem } from "../lib/cases";
import { CaseList, CaseRow } from "./Cases";
import { fmtTime } from "../ui";
import type { RecordRow } from "../store/db";

export function Login() {
  const [username, setU] = useState("");
  const [password, setP] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isOnline = useSignal(online);
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if ((await ctx.repo.outbox(1)).length) {
      await ctx.sync.now();
      if ((await ctx.repo.outbox(1)).length && !confirm(t("logout_pending"))) return;
    }
    setBusy(true);
    try {
      const user = await login(username.trim(), password);
      navigate(user.role === "grid_worker" ? "/grid" : ["mediator", "org_admin", "court_clerk"].includes(user.role) ? "/inbox" : "/", true);
    } catch (err) {
      setError(err instanceof NetworkError ? t("login_offline") : err instanceof ApiError ? err.detail || `HTTP ${err.status}` : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Page title={t("login_title")} testid="page-login">
      <form class="form" onSubmit={submit} data-testid="login-form">
        {!isOnline ? <p class="banner offline">{t("login_offline")}</p> : null}
        <Field id="l-user" label={t("username")}>
          <input id="l-user" data-testid="login-username" autoComplete="username" value={username} onInput={(e) => setU(e.currentTarget.value)} required />
        </Field>
        <Field id="l-pass" label={t("password")} error={error}>
          <input id="l-pass" data-testid="login-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setP(e.currentTarget.value)} required />
        </Field>
        {error ? (
          <p class="visually-hidden" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <Big type="submit" class="block" data-testid="login-submit" disabled={busy}>
          {t("login")}
        </Big>
      </form>
    </Page>
  );
}

interface InboxItem extends CaseListItem {
  deadline: ReturnType<typeof activeDeadline>;
  level: ReturnType<typeof deadlineLevel>;
}

/** Open cases by deadline, soonest first; a court clerk's are those waiting for the court. */
async function loadInbox(): Promise<InboxItem[]> {
  const [cases, timeline] = await Promise.all([listCases(ctx.repo), ctx.repo.records("timeline")]);
  const waiting = session.value.role === "court_clerk" ? COURT_STATES : OPEN_STATES;
  const byCase = new Map<string, RecordRow[]>();
  for (const r of timeline) if (r.case) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
  return cases
    .filter((c) => !c.status || waiting.has(c.status))
    .map((c) => {
      const deadline = activeDeadline(c, (byCase.get(c.key) ?? []).sort((a, b) => a.first - b.first));
      return { ...c, deadline, level: deadline ? deadlineLevel(deadline.at, deadline.start) : null };
    })
    .sort((a, b) => (a.deadline ? Date.parse(a.deadline.at) : Infinity) - (b.deadline ? Date.parse(b.deadline.at) : Infinity) || b.first - a.first);
}

export function Inbox() {
  useSignal(lang);
  const items = useLive(loadInbox, []);
  const [, tick] = useState(0);
  return (
    <Page title={t("inbox_title")} back="/" testid="page-inbox">
      <Who />
      {items === undefined ? (
        <p>{t("loading")}</p>
      ) : items.length === 0 ? (
        <Empty text={t("inbox_empty")} />
      ) : (
        <ul class="list" data-testid="inbox-list" onClick={() => tick((n) => n + 1)}>
          {items.map((c) => (
            <div key={c.key} class={`deadline-wrap ${c.level ?? ""}`} data-level={c.level ?? ""} data-deadline={c.deadline?.at ?? ""}>
              <CaseRow
                c={c}
                testid="inbox-item"
                extra={
                  c.deadline ? (
                    <div class={`deadline ${c.level ?? ""}`} data-testid="inbox-item-deadline" data-level={c.level ?? ""}>
                      {c.deadline.kind === "respond" ? t("deadline_respond") : t("deadline_resolve")}：{fmtTime(c.deadline.at)}
                      {c.level === "breach" ? ` · ${t("overdue")}` : ""}
                    </div>
                  ) : null
                }
              />
            </div>
          ))}
        </ul>
      )}
    </Page>
  );
}

export function Grid() {
  useSignal(lang);
  const sess = useSignal(session);
  const region = sess.user?.region ?? "";
  const items = useLive(async () => (await listCases(ctx.repo)).filter((c) => !region || String(c.view["region"] ?? "").startsWith(region.replace(/0+$/, ""))), [region]);
  return (
    <Page title={t("grid_title")} back="/" testid="page-grid">
      <Who />
      <Link href="/file" class="btn primary block" data-testid="grid-file">
        {t("file_for_villager")}
      </Link>
      <CaseList cases={items} testid="grid-list" itemTestid="grid-item" />
    </Page>
  );
}

function Who() {
  const sess = useSignal(session);
  if (!sess.user) return null;
  return (
    <p class="hint" data-testid="whoami">
      {sess.user.name} · {roleLabel(sess.role)}
    </p>
  );
}

export function requireStaff(): boolean {
  if (session.value.role === "citizen") {
    toast(t("login_title"), "info");
    navigate("/login", true);
    return false;
  }
  return true;
}
