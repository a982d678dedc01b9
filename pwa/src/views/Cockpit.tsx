/**
 * `/cockpit`: the data cockpit for analysts and admins (org admins: their own townships).
 * Five figures, per-town table and bar chart, monthly trend, risk early warnings — aggregates only
 * (GET /api/v1/cockpit/summary|trend|risks; definitions in docs/cockpit.md).
 * Loaded lazily with ECharts (`CockpitChart.tsx`): nothing here is in the app shell.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { lang } from "../i18n";
import { ctx, session } from "../app/state";
import { useSignal } from "../lib/signal";
import { Link } from "../router";
import { Empty, Page } from "../ui";
import { ApiError, NetworkError, request } from "../lib/api";
import { Chart, type ChartOption } from "./CockpitChart";
import "./Cockpit.css";

export const COCKPIT_ROLES = new Set(["analyst", "admin", "org_admin"]);

interface Figures {
  total: number;
  mediated: number;
  first_mediation_rate: number | null;
  success: number;
  failure: number;
  mediation_success_rate: number | null;
  closed: number;
  settled: number;
  settle_withdraw_rate: number | null;
  litigation: number;
  litigation_per_10k: number | null;
  open: number;
}
interface TownFigures extends Figures {
  region: string | null;
  name: string;
  population: number | null;
}
interface Summary {
  from: string;
  to: string;
  scope: TownFigures;
  towns: TownFigures[];
  unplaced: number;
  population_note: string;
}
interface Month extends Figures {
  month: string;
}
interface Trend {
  name: string;
  months: Month[];
}
interface Risk {
  type: "spike" | "repeat_respondent" | "group_dispute";
  region: string | null;
  region_name: string;
  category: string | null;
  category_name: string;
  count: number;
  baseline: number | null;
  message: string;
  respondent: string | null;
  cases: number | null;
}
interface Risks {
  warnings: Risk[];
  rules: Record<string, string>;
}

const TEXT = {
  zh: {
    title: "数据驾驶舱",
    need_login: "数据驾驶舱仅供分析员和管理员使用，请用工作人员账号登录",
    login: "登录",
    loading: "正在加载…",
    offline: "需要联网才能查看数据驾驶舱",
    failed: "加载失败",
    retry: "重试",
    from: "开始日期",
    to: "结束日期",
    apply: "查询",
    period: "统计期间",
    total: "纠纷总数",
    first: "先行调解率",
    success: "诉前调解成功率",
    settle: "调撤率",
    per10k: "万人成讼率",
    total_hint: "期间内提交的纠纷",
    first_hint: "经调解组织受理",
    success_hint: "调成 / (调成+调不成)",
    settle_hint: "(调成+撤回) / 已结",
    per10k_hint: "诉讼立案 / 万人",
    towns: "各乡镇（街道）",
    town: "乡镇（街道）",
    trend: "近12个月趋势",
    month: "月份",
    count_axis: "件数",
    rate_axis: "比率",
    as_table: "以表格查看",
    risks: "风险预警",
    no_risks: "暂无预警",
    spike: "激增",
    repeat_respondent: "重复被申请人",
    group_dispute: "群体性纠纷",
    count: "件数",
    baseline: "前8周周均",
    cases_unit: "件",
    people_unit: "人",
    open: "未结",
    litigation: "成讼",
    rules: "预警规则",
    trend_label: "近12个月每月纠纷件数、调撤率和先行调解率折线图",
    towns_label: "各乡镇（街道）纠纷件数和成讼件数条形图",
    unplaced: "另有 {n} 件纠纷的地址不属于任何乡镇（计入总数）",
  },
  en: {
    title: "Data cockpit",
    need_login: "The cockpit is for analysts and admins. Please log in with a staff account.",
    login: "Log in",
    loading: "Loading…",
    offline: "The cockpit needs a network connection",
    failed: "Could not load",
    retry: "Retry",
    from: "From",
    to: "To",
    apply: "Show",
    period: "Period",
    total: "Disputes filed",
    first: "Mediation-first rate",
    success: "Pre-litigation mediation success",
    settle: "Settled or withdrawn",
    per10k: "Lawsuits per 10,000",
    total_hint: "filed in the period",
    first_hint: "accepted by a mediator",
    success_hint: "agreed / (agreed + failed)",
    settle_hint: "(agreed + withdrawn) / closed",
    per10k_hint: "court filings per 10,000",
    towns: "By township",
    town: "Township",
    trend: "Last 12 months",
    month: "Month",
    count_axis: "Cases",
    rate_axis: "Rate",
    as_table: "Show as a table",
    risks: "Risk warnings",
    no_risks: "No warnings",
    spike: "Spike",
    repeat_respondent: "Repeated respondent",
    group_dispute: "Group dispute",
    count: "Count",
    baseline: "8-week weekly mean",
    cases_unit: "cases",
    people_unit: "people",
    open: "Open",
    litigation: "Lawsuits",
    rules: "Rules",
    trend_label: "Line chart: disputes per month, settle-or-withdraw rate and mediation-first rate, last 12 months",
    towns_label: "Bar chart: disputes and lawsuits per township",
    unplaced: "{n} more disputes lie outside any township (counted in the total)",
  },
};
type TextKey = keyof typeof TEXT.zh;

function useText(): (k: TextKey, vars?: Record<string, string | number>) => string {
  const l = useSignal(lang);
  return (k, vars) => {
    let s: string = TEXT[l === "en" ? "en" : "zh"][k];
    for (const [name, v] of Object.entries(vars ?? {})) s = s.replace(`{${name}}`, String(v));
    return s;
  };
}

export const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);
const num = (v: number | null | undefined): string => (v === null || v === undefined ? "—" : String(v));

interface Data {
  summary: Summary;
  trend: Trend;
  risks: Risks;
}

async function load(from: string, to: string): Promise<Data> {
  const token = await ctx.repo.getMeta<string>("token");
  const q = new URLSearchParams();
  if (from) q.set("from", from);
  if (to) q.set("to", to);
  const qs = q.toString();
  const [summary, trend, risks] = await Promise.all([
    request<Summary>(`/api/v1/cockpit/summary${qs ? `?${qs}` : ""}`, { token }),
    request<Trend>("/api/v1/cockpit/trend?months=12", { token }),
    request<Risks>("/api/v1/cockpit/risks", { token }),
  ]);
  return { summary, trend, risks };
}

export default function Cockpit() {
  const tx = useText();
  const sess = useSignal(session);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [asked, setAsked] = useState({ from: "", to: "", n: 0 });
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const allowed = COCKPIT_ROLES.has(sess.role);

  useEffect(() => {
    if (!allowed) return;
    let live = true;
    setError(null);
    load(asked.from, asked.to).then(
      (d) => live && setData(d),
      (e: unknown) => {
        if (!live) return;
        if (e instanceof NetworkError) setError(tx("offline"));
        else if (e instanceof ApiError) setError(e.detail || `${tx("failed")} (${e.status})`);
        else setError(tx("failed"));
      },
    );
    return () => {
      live = false;
    };
  }, [allowed, asked]);

  if (!allowed) {
    return (
      <Page title={tx("title")} back="/" testid="page-cockpit">
        <Empty text={tx("need_login")} />
        <Link href="/login" class="btn primary block" data-testid="nav-login">
          {tx("login")}
        </Link>
      </Page>
    );
  }

  return (
    <Page title={tx("title")} back="/" wide testid="page-cockpit">
      <form
        class="ck-period"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked({ from, to, n: asked.n + 1 });
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
      {data ? <Board data={data} /> : null}
    </Page>
  );
}

function Board({ data }: { data: Data }) {
  const tx = useText();
  const s = data.summary;
  return (
    <>
      <p class="ck-sub">
        {s.scope.name} · {tx("period")} {s.from} ~ {s.to}
      </p>
      <Cards f={s.scope} />
      <TrendSection trend={data.trend} />
      <TownSection summary={s} />
      <RiskSection risks={data.risks} />
      <p class="ck-note">{s.population_note}</p>
    </>
  );
}

function Cards({ f }: { f: TownFigures }) {
  const tx = useText();
  const cards: { key: string; label: string; value: string; hint: string }[] = [
    { key: "total", label: tx("total"), value: String(f.total), hint: `${tx("open")} ${f.open}` },
    { key: "first", label: tx("first"), value: pct(f.first_mediation_rate), hint: `${f.mediated}/${f.total} · ${tx("first_hint")}` },
    { key: "success", label: tx("success"), value: pct(f.mediation_success_rate), hint: `${f.success}/${f.success + f.failure} · ${tx("success_hint")}` },
    { key: "settle", label: tx("settle"), value: pct(f.settle_withdraw_rate), hint: `${f.settled}/${f.closed} · ${tx("settle_hint")}` },
    { key: "per10k", label: tx("per10k"), value: num(f.litigation_per_10k), hint: `${f.litigation} · ${tx("per10k_hint")}` },
  ];
  return (
    <ul class="ck-cards" data-testid="cockpit-cards">
      {cards.map((c) => (
        <li key={c.key} class="ck-card" data-testid="cockpit-card" data-key={c.key}>
          <span class="ck-label">{c.label}</span>
          <strong class="ck-value">{c.value}</strong>
          <span class="ck-hint">{c.hint}</span>
        </li>
      ))}
    </ul>
  );
}

const RED = "#b3261e";
const BLUE = "#1f4f8f";
const GREEN = "#1b6e3a";

function TrendSection({ trend }: { trend: Trend }) {
  const tx = useText();
  const months = trend.months;
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { fontSize: 12 } },
      grid: { left: 8, right: 8, top: 36, bottom: 4, containLabel: true },
      xAxis: { type: "category", data: months.map((m) => m.month.slice(2)), axisLabel: { fontSize: 11 } },
      yAxis: [
        { type: "value", name: tx("count_axis"), minInterval: 1, axisLabel: { fontSize: 11 } },
        { type: "value", name: tx("rate_axis"), min: 0, max: 100, axisLabel: { formatter: "{value}%", fontSize: 11 }, splitLine: { show: false } },
      ],
      series: [
        { type: "line", name: tx("total"), data: months.map((m) => m.total), itemStyle: { color: RED }, smooth: true },
        {
          type: "line",
          name: tx("settle"),
          yAxisIndex: 1,
          data: months.map((m) => (m.settle_withdraw_rate === null ? null : +(m.settle_withdraw_rate * 100).toFixed(1))),
          itemStyle: { color: GREEN },
        },
        {
          type: "line",
          name: tx("first"),
          yAxisIndex: 1,
          data: months.map((m) => (m.first_mediation_rate === null ? null : +(m.first_mediation_rate * 100).toFixed(1))),
          itemStyle: { color: BLUE },
          lineStyle: { type: "dashed" },
        },
      ],
    }),
    [trend, lang.value],
  );
  return (
    <section class="card ck-section" aria-labelledby="ck-trend">
      <h2 id="ck-trend">
        {tx("trend")} · {trend.name}
      </h2>
      <Chart option={option} height={260} label={tx("trend_label")} testid="cockpit-trend-chart" />
      <details>
        <summary>{tx("as_table")}</summary>
        <div class="ck-scroll">
          <table class="ck-table" data-testid="cockpit-trend-table">
            <caption>{tx("trend")}</caption>
            <thead>
              <tr>
                <th scope="col">{tx("month")}</th>
                <th scope="col">{tx("total")}</th>
                <th scope="col">{tx("first")}</th>
                <th scope="col">{tx("success")}</th>
                <th scope="col">{tx("settle")}</th>
                <th scope="col">{tx("per10k")}</th>
              </tr>
            </thead>
            <tbody>
              {months.map((m) => (
                <tr key={m.month}>
                  <th scope="row">{m.month}</th>
                  <td>{m.total}</td>
                  <td>{pct(m.first_mediation_rate)}</td>
                  <td>{pct(m.mediation_success_rate)}</td>
                  <td>{pct(m.settle_withdraw_rate)}</td>
                  <td>{num(m.litigation_per_10k)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

function TownSection({ summary }: { summary: Summary }) {
  const tx = useText();
  const towns = summary.towns;
  const sorted = useMemo(() => [...towns].sort((a, b) => a.total - b.total), [towns]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, textStyle: { fontSize: 12 } },
      grid: { left: 8, right: 16, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 11 } },
      yAxis: { type: "category", data: sorted.map((t) => t.name), axisLabel: { fontSize: 12 } },
      series: [
        { type: "bar", name: tx("total"), data: sorted.map((t) => t.total), itemStyle: { color: RED } },
        { type: "bar", name: tx("litigation"), data: sorted.map((t) => t.litigation), itemStyle: { color: BLUE } },
      ],
    }),
    [sorted, lang.value],
  );
  return (
    <section class="card ck-section" aria-labelledby="ck-towns">
      <h2 id="ck-towns">{tx("towns")}</h2>
      {towns.length > 1 ? <Chart option={option} height={Math.max(160, 40 + towns.length * 30)} label={tx("towns_label")} testid="cockpit-town-chart" /> : null}
      <div class="ck-scroll">
        <table class="ck-table" data-testid="cockpit-town-table">
          <caption>{tx("towns")}</caption>
          <thead>
            <tr>
              <th scope="col">{tx("town")}</th>
              <th scope="col">{tx("total")}</th>
              <th scope="col">{tx("first")}</th>
              <th scope="col">{tx("success")}</th>
              <th scope="col">{tx("settle")}</th>
              <th scope="col">{tx("per10k")}</th>
              <th scope="col">{tx("open")}</th>
            </tr>
          </thead>
          <tbody>
            {towns.map((t) => (
              <tr key={t.region} data-testid="cockpit-town-row" data-region={t.region ?? ""}>
                <th scope="row">{t.name}</th>
                <td>{t.total}</td>
                <td>{pct(t.first_mediation_rate)}</td>
                <td>{pct(t.mediation_success_rate)}</td>
                <td>{pct(t.settle_withdraw_rate)}</td>
                <td>{num(t.litigation_per_10k)}</td>
                <td>{t.open}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {summary.unplaced ? <p class="ck-note">{tx("unplaced", { n: summary.unplaced })}</p> : null}
    </section>
  );
}

function RiskSection({ risks }: { risks: Risks }) {
  const tx = useText();
  const list = risks.warnings;
  return (
    <section class="card ck-section" aria-labelledby="ck-risks">
      <h2 id="ck-risks">
        {tx("risks")} {list.length ? <span class="ck-count">{list.length}</span> : null}
      </h2>
      {list.length ? (
        <ul class="ck-risks" data-testid="cockpit-risks">
          {list.map((w, i) => (
            <li key={`${w.type}-${w.region ?? ""}-${w.category ?? ""}-${i}`} class={`ck-risk ck-${w.type}`} data-testid="cockpit-risk" data-type={w.type}>
              <span class="ck-tag">{tx(w.type)}</span>
              <span class="ck-where">
                {w.region_name}
                {w.category_name ? ` · ${w.category_name}` : ""}
                {w.respondent ? ` · ${w.respondent}` : ""}
              </span>
              <p>{w.message}</p>
              <span class="ck-hint">
                {tx("count")} {w.count}
                {w.type === "group_dispute" ? tx("people_unit") : tx("cases_unit")}
                {w.baseline !== null ? ` · ${tx("baseline")} ${w.baseline}` : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <Empty text={tx("no_risks")} />
      )}
      <details>
        <summary>{tx("rules")}</summary>
        <ul class="ck-rules">
          {Object.entries(risks.rules).map(([k, v]) => (
            <li key={k}>
              <strong>{tx(k as TextKey)}</strong>：{v}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
