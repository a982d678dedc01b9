/**
 * `/cockpit`: the data cockpit for analysts and admins (org admins: their own townships).
 * Five figures, per-town table and bar chart, monthly trend, risk early warnings — aggregates only
 * (GET /api/v1/cockpit/summary|trend|risks; definitions in docs/cockpit.md).
 * Loaded lazily with ECharts (`chart.tsx`): nothing here is in the app shell. The entry keeps the
 * name `Cockpit` so its chunk stays `Cockpit-*` (left out of the precache, vite.config.ts).
 */
import { useEffect, useState } from "preact/hooks";
import { ctx, session } from "../../app/state";
import { useSignal } from "../../lib/signal";
import { NeedLogin, Page } from "../../ui";
import { ApiError, NetworkError, request } from "../../lib/api";
import type { Risks, Summary, Trend } from "./types";
import { useText } from "./text";
import { Cards } from "./cards";
import { TrendSection } from "./trend";
import { CitySection, CountySection, TownSection } from "./towns";
import { RiskSection } from "./risks";
import { cityRows, cockpitUrls, countyRows, openRegion, shown, upOne, type Path } from "./regions";
import { ConsultSection } from "./consultations";
import "./Cockpit.css";

// 考核 rides in this chunk so ECharts stays out of the app shell (app.tsx loads it for /cockpit/assessment).
export { Assessment } from "./assessment";

export const COCKPIT_ROLES = new Set(["analyst", "admin", "org_admin"]);

interface Data {
  summary: Summary;
  trend: Trend;
  risks: Risks;
}

/** ``region``: the city or county opened from a wider view (the server's `?region=`), null for the whole view. */
async function load(from: string, to: string, region: string | null): Promise<Data> {
  const token = await ctx.repo.getMeta<string>("token");
  const urls = cockpitUrls(from, to, region);
  const [summary, trend, risks] = await Promise.all([
    request<Summary>(urls.summary, { token }),
    request<Trend>(urls.trend, { token }),
    request<Risks>(urls.risks, { token }),
  ]);
  return { summary, trend, risks };
}

export default function Cockpit() {
  const tx = useText();
  const sess = useSignal(session);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [asked, setAsked] = useState<{ from: string; to: string; n: number; path: Path }>({ from: "", to: "", n: 0, path: [] });
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const allowed = COCKPIT_ROLES.has(sess.role);

  useEffect(() => {
    if (!allowed) return;
    let live = true;
    setError(null);
    load(asked.from, asked.to, shown(asked.path)).then(
      (d) => live && setData(d),
      (e: unknown) => {
        if (!live) return;
        if (e instanceof NetworkError) setError(tx("offline"));
        else if (e instanceof ApiError) setError(e.detail || `${tx("load_failed")} (${e.status})`);
        else setError(tx("load_failed"));
      },
    );
    return () => {
      live = false;
    };
  }, [allowed, asked]);

  if (!allowed) {
    return <NeedLogin title={tx("title")} text={tx("need_login")} login={tx("login")} testid="page-cockpit" />;
  }

  return (
    <Page title={tx("title")} back="/" wide testid="page-cockpit">
      <form
        class="ck-period"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked({ ...asked, from, to, n: asked.n + 1 });
        }}
      >
        <label>
          {tx("from")}
          <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="cockpit-from" />
        </label>
        <label>
          {tx("to")}
          <input type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="cockpit-to" />
        </label>
        <button type="submit" class="btn" data-testid="cockpit-apply">
          {tx("apply")}
        </button>
      </form>
      {error ? (
        <div class="card ck-error" role="alert" data-testid="cockpit-error">
          <p>{error}</p>
          <button type="button" class="btn" onClick={() => setAsked({ ...asked, n: asked.n + 1 })}>
            {tx("retry")}
          </button>
        </div>
      ) : null}
      {!data && !error ? <p aria-live="polite">{tx("loading")}</p> : null}
      {data ? <Board data={data} path={asked.path} go={(path) => setAsked({ ...asked, path, n: asked.n + 1 })} /> : null}
    </Page>
  );
}

/** ``path``: the cities and counties opened from the whole view (empty: the whole view); ``go``
 * shows another path. A city's or county's name opens it; 返回全辖区 goes back to the whole view,
 * 返回上一级 (two levels down: province → city → county) to the city. */
function Board({ data, path, go }: { data: Data; path: Path; go: (path: Path) => void }) {
  const tx = useText();
  const s = data.summary;
  const pick = (region: string) => go(openRegion(path, region));
  return (
    <>
      <p class="ck-sub">
        {s.scope.name} · {tx("period")} {s.from} ~ {s.to}
        {path.length > 1 ? (
          <>
            {" "}
            <button type="button" class="btn" onClick={() => go(upOne(path))} data-testid="cockpit-up">
              {tx("up_one")}
            </button>
          </>
        ) : null}
        {path.length ? (
          <>
            {" "}
            <button type="button" class="btn" onClick={() => go([])} data-testid="cockpit-whole">
              {tx("whole_view")}
            </button>
          </>
        ) : null}
      </p>
      <Cards f={s.scope} />
      <TrendSection trend={data.trend} />
      <CitySection summary={s} pick={pick} />
      <CountySection summary={s} pick={pick} />
      <TownSection summary={s} />
      <RiskSection risks={data.risks} cities={cityRows(s)} counties={countyRows(s)} />
      <ConsultSection from={s.from} to={s.to} />
      <p class="ck-note">{s.population_note}</p>
    </>
  );
}
