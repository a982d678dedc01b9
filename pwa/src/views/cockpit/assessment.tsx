/**
 * `/cockpit/assessment` 考核: per organisation and mediator — cases received, responded within the
 * deadline, success, median days to outcome, escalations out, satisfaction, SLA breaches
 * (GET /api/v1/cockpit/assessment; definitions in server/assessment/figures.py). Sortable tables,
 * a bar chart, CSV export. A mediator sees only their own row. Part of the cockpit chunk, so ECharts
 * loads only here and never with the app shell.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ctx, session } from "../../app/state";
import { lang } from "../../i18n";
import { useSignal } from "../../lib/signal";
import { Empty, Page } from "../../ui";
import { request } from "../../lib/api";
import { requestFailure } from "../../lib/errors";
import { downloadWithToken } from "../../lib/download";
import { Chart, type ChartOption } from "./chart";
import { num, pct } from "./format";
import { BLUE, GREEN, RED } from "./colors";
import "./Cockpit.css";
import type { Assessment, AssessmentRow } from "./types";

export const ASSESS_ROLES = new Set(["analyst", "admin", "org_admin", "mediator"]);

type Row = AssessmentRow;
type Out = Assessment;
type Col = Exclude<keyof Row, "id" | "org_name" | "success" | "failure">;

const W = {
  zh: { title: "考核", orgs: "调解组织", mediators: "调解员", name: "名称", received: "受理数", responded_in_time_rate: "按期响应率", success_rate: "调解成功率", median_days: "办结天数中位数", escalated_out: "上移件数", satisfaction: "满意度", ratings: "评价数", sla_breaches: "超期次数", csv: "导出 CSV", need: "考核页面供调解员、机构管理员、分析员和管理员使用，请登录", offline: "需要联网才能查看考核数据", loading: "正在加载…", none: "该期间没有数据", chart: "各调解组织受理与成功件数", sort: "点击列名排序", period: "统计期间（按立案日期）" },
  en: { title: "Assessment", orgs: "Organisations", mediators: "Mediators", name: "Name", received: "Received", responded_in_time_rate: "Answered in time", success_rate: "Success", median_days: "Median days", escalated_out: "Escalated out", satisfaction: "Satisfaction", ratings: "Ratings", sla_breaches: "SLA breaches", csv: "Export CSV", need: "Please log in as staff to see the assessment", offline: "The assessment needs a connection", loading: "Loading…", none: "No data for this period", chart: "Cases received and resolved per organisation", sort: "Click a column to sort", period: "Period (by filing date)" },
};
const COLS: Col[] = ["name", "received", "responded_in_time_rate", "success_rate", "median_days", "escalated_out", "satisfaction", "sla_breaches"];

function cell(r: Row, c: Col): string {
  if (c === "responded_in_time_rate" || c === "success_rate") return pct(r[c]);
  if (c === "satisfaction") return r.satisfaction === null ? "—" : `${r.satisfaction.toFixed(1)}（${r.ratings}）`;
  if (c === "name") return r.name;
  return num(r[c] as number | null);
}

function Table({ rows, caption, testid }: { rows: Row[]; caption: string; testid: string }) {
  const w = W[useSignal(lang)];
  const [sort, setSort] = useState<{ col: Col; desc: boolean }>({ col: "received", desc: true });
  const sorted = useMemo(() => {
    const key = (r: Row) => r[sort.col] ?? -Infinity;
    return [...rows].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const c = typeof x === "string" || typeof y === "string" ? String(x).localeCompare(String(y), "zh") : (x as number) - (y as number);
      return sort.desc ? -c : c;
    });
  }, [rows, sort]);
  return (
    <div class="ck-scroll">
      <table class="ck-table" data-testid={testid}>
        <caption>
          {caption} · {w.sort}
        </caption>
        <thead>
          <tr>
            {COLS.map((c) => (
              <th key={c} scope="col" aria-sort={sort.col === c ? (sort.desc ? "descending" : "ascending") : "none"}>
                <button type="button" class="link" data-testid={`sort-${c}`} onClick={() => setSort({ col: c, desc: sort.col === c ? !sort.desc : true })}>
                  {w[c]}
                  {sort.col === c ? (sort.desc ? " ▼" : " ▲") : ""}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.id} data-testid="assessment-row" data-id={r.id}>
              {COLS.map((c) =>
                c === "name" ? (
                  <th key={c} scope="row">
                    {r.name}
                    {r.org_name && r.org_name !== r.name ? <small> · {r.org_name}</small> : null}
                  </th>
                ) : (
                  <td key={c} data-col={c}>
                    {cell(r, c)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Assessment() {
  const l = useSignal(lang);
  const w = W[l];
  const sess = useSignal(session);
  const allowed = ASSESS_ROLES.has(sess.role);
  const [data, setData] = useState<Out | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!allowed) return;
    let live = true;
    void (async () => {
      try {
        const token = await ctx.repo.getMeta<string>("token");
        const d = await request<Out>("/api/v1/cockpit/assessment", { token });
        if (live) setData(d);
      } catch (e) {
        if (live) setError(requestFailure(e, w.offline));
      }
    })();
    return () => {
      live = false;
    };
  }, [allowed]);

  const option = useMemo<ChartOption | null>(() => {
    const rows = data?.orgs.length ? data.orgs : (data?.mediators ?? []);
    if (!rows.length) return null;
    const top = [...rows].sort((a, b) => a.received - b.received).slice(-15);
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, textStyle: { fontSize: 12 } },
      grid: { left: 8, right: 16, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: top.map((r) => r.name), axisLabel: { fontSize: 11, width: 120, overflow: "truncate" } },
      series: [
        { type: "bar", name: w.received, data: top.map((r) => r.received), itemStyle: { color: BLUE } },
        { type: "bar", name: l === "en" ? "Resolved" : "调解成功", data: top.map((r) => r.success), itemStyle: { color: GREEN } },
        { type: "bar", name: w.sla_breaches, data: top.map((r) => r.sla_breaches), itemStyle: { color: RED } },
      ],
    };
  }, [data, l]);

  if (!allowed) {
    return (
      <Page title={w.title} back="/" testid="page-assessment">
        <Empty text={w.need} />
      </Page>
    );
  }
  return (
    <Page title={w.title} back="/" wide testid="page-assessment">
      {error ? (
        <p class="card ck-error" role="alert">
          {error}
        </p>
      ) : null}
      {!data && !error ? <p aria-live="polite">{w.loading}</p> : null}
      {data ? (
        <>
          <p class="ck-sub">
            {w.period} {data.from} ~ {data.to}
          </p>
          <button type="button" class="btn" data-testid="assessment-csv" onClick={() => void downloadWithToken("/api/v1/cockpit/assessment.csv", `assessment-${data.from}-${data.to}.csv`).catch((e) => setError(requestFailure(e, w.offline)))}>
            {w.csv}
          </button>
          {option ? <Chart option={option} height={Math.max(180, 60 + Math.min(15, data.orgs.length || data.mediators.length) * 34)} label={w.chart} testid="assessment-chart" /> : null}
          {!data.orgs.length && !data.mediators.length ? <Empty text={w.none} /> : null}
          {(["orgs", "mediators"] as const).map((k) =>
            data[k].length ? (
              <section key={k} class="card ck-section">
                <h2>{w[k]}</h2>
                <Table rows={data[k]} caption={w[k]} testid={`assessment-${k}`} />
              </section>
            ) : null,
          )}
        </>
      ) : null}
    </Page>
  );
}
