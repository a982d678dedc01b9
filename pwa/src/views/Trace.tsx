import { useEffect, useState } from "preact/hooks";
import { t, lang, statusLabel } from "../i18n";
import { ctx, toast } from "../app/state";
import { useSignal } from "../lib/signal";
import { Link } from "../router";
import { Big, Fact, Page, StatusLabel, fmtTime } from "../ui";
import { ApiError, NetworkError, request } from "../lib/api";
import { requestFailure } from "../lib/errors";
import { ensureToken } from "../sync/client";
import { normalizeCode, traceHash } from "../lib/casecode";

export interface TraceData {
  code: string;
  status: string;
  status_label?: string;
  category?: string;
  category_name?: string;
  org_name?: string;
  level?: string;
  submitted_at?: string;
  respond_by?: string;
  resolve_by?: string;
  deadline_provisional?: string | null;
  timeline?: { event: string; to?: string; label?: string; at?: string; actor?: string }[];
  parties?: { role: string; name: string; phone?: string }[];
}

type State = { kind: "loading" } | { kind: "ok"; data: TraceData; cachedAt?: number } | { kind: "error"; text: string };

/** The public progress page of a case QR: `/t/{code}#k={token}`; personal data comes masked.
 * Without `#k=` (a follower's notification links `/t/{code}`: the server never has the token) the
 * token this device kept when it followed the case opens it. */
export function Trace({ code: rawCode }: { code: string }) {
  useSignal(lang);
  const code = normalizeCode(rawCode);
  // The QR's token is read on every render: a new `#k=` on the same page (the router re-renders on
  // hashchange) must be checked afresh, never answered with the case the previous token opened.
  const fromUrl = new URLSearchParams(location.hash.replace(/^#/, "")).get("k") ?? "";
  const [kept, setKept] = useState("");
  const token = fromUrl || kept;
  const [state, setState] = useState<State>({ kind: "loading" });
  const [mine, setMine] = useState<string | null>(null);
  const [followed, setFollowed] = useState(false);
  const [n, setN] = useState(0);

  useEffect(() => {
    let alive = true;
    (async () => {
      const secret = await ctx.repo.db.getFromIndex("secrets", "code", code);
      if (alive && secret) setMine(secret.case);
      const following = await ctx.repo.getMeta<string | boolean>(`follow:${code}`);
      setFollowed(!!following);
      if (!token && typeof following === "string" && following) return alive && setKept(following);
      if (!token) return setState({ kind: "error", text: t("trace_no_token") });
      setState({ kind: "loading" });
      // the offline copy opens only with the same token (stored as its hash, like the server does)
      const hash = await traceHash(token);
      try {
        const data = await request<TraceData>(`/api/v1/trace/${encodeURIComponent(code)}`, { headers: { "X-Case-Token": token } });
        await ctx.repo.db.put("traces", { code, data, at: Date.now(), hash }).catch(() => {});
        if (alive) setState({ kind: "ok", data });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return alive && setState({ kind: "error", text: t("trace_not_found") });
        if (e instanceof ApiError && e.status === 429) return alive && setState({ kind: "error", text: t("trace_rate") });
        const cached = await ctx.repo.db.get("traces", code);
        if (!alive) return;
        if (cached && cached.hash === hash) setState({ kind: "ok", data: cached.data as TraceData, cachedAt: cached.at });
        else setState({ kind: "error", text: e instanceof NetworkError ? t("trace_never") : String((e as Error).message) });
      }
    })();
    return () => {
      alive = false;
    };
  }, [code, token, n]);

  async function follow() {
    try {
      const auth = await ensureToken(ctx.repo);
      await request("/api/v1/follow", { body: { code, token }, token: auth });
      // the token, so "My cases" can open the trace again (the server sends followers only the trace)
      await ctx.repo.setMeta(`follow:${code}`, token);
      setFollowed(true);
      toast(t("following"), "ok");
      ctx.sync.schedule(100);
    } catch (e) {
      toast(requestFailure(e, t("sync_error_network")), "error");
    }
  }

  return (
    <Page title={t("trace_title")} back="/" testid="page-trace">
      <p class="mono" data-testid="trace-code">
        {code}
      </p>
      {state.kind === "loading" ? <p>{t("loading")}</p> : null}
      {state.kind === "error" ? (
        <div class="banner error" role="alert" data-testid="trace-error">
          <p>{state.text}</p>
          <Big kind="secondary" onClick={() => setN(n + 1)}>
            {t("retry")}
          </Big>
        </div>
      ) : null}
      {state.kind === "ok" ? (
        <>
          {state.cachedAt ? (
            <p class="banner offline" data-testid="trace-cached">
              {t("trace_offline")}（{fmtTime(state.cachedAt)}）
            </p>
          ) : null}
          <section class="card" data-testid="trace-card">
            <p>
              <StatusLabel status={state.data.status} testid="trace-status" />
            </p>
            <dl class="facts">
              {state.data.category_name ? <Fact label={t("category")}>{state.data.category_name}</Fact> : null}
              {state.data.org_name ? <Fact label={t("org")} testid="trace-org">{state.data.org_name}</Fact> : null}
              {state.data.submitted_at ? <Fact label={t("filed_at")}>{fmtTime(state.data.submitted_at)}</Fact> : null}
              {state.data.respond_by ? <Fact label={t("deadline_respond")}>{fmtTime(state.data.respond_by)}</Fact> : null}
              {state.data.resolve_by ? <Fact label={t("deadline_resolve")}>{fmtTime(state.data.resolve_by)}</Fact> : null}
            </dl>
            {state.data.deadline_provisional && (state.data.respond_by || state.data.resolve_by) ? (
              <p class="hint" data-testid="trace-deadline-provisional">
                {t("deadline_provisional")}：{lang.value === "en" ? t("deadline_provisional_note") : state.data.deadline_provisional}
              </p>
            ) : null}
            {state.data.parties?.length ? (
              <ul class="plain" data-testid="trace-parties">
                {state.data.parties.map((p, i) => (
                  <li key={i}>
                    {t((p.role as "applicant") ?? "applicant")}：{p.name} {p.phone ?? ""}
                  </li>
                ))}
              </ul>
            ) : null}
          </section>
          <section class="card">
            <h3>{t("timeline")}</h3>
            <ol class="timeline" data-testid="trace-timeline">
              {(state.data.timeline ?? []).map((e, i) => (
                <li key={i} data-testid="trace-timeline-item">
                  <strong>{e.label || (e.to ? statusLabel(e.to) : e.event)}</strong>
                  {e.actor ? <span class="who">{e.actor}</span> : null}
                  <time>{fmtTime(e.at)}</time>
                </li>
              ))}
            </ol>
          </section>
          {mine ? (
            <Link href={`/cases/${mine}`} class="btn secondary block" data-testid="trace-open-case">
              {t("case_detail")}
            </Link>
          ) : followed ? (
            <p class="banner ok" data-testid="trace-following">
              {t("following")}
            </p>
          ) : (
            <Big class="block" data-testid="trace-follow" onClick={() => void follow()}>
              {t("follow")}
            </Big>
          )}
        </>
      ) : null}
    </Page>
  );
}
