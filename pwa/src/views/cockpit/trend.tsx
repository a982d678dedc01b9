import { useMemo } from "preact/hooks";
import { lang } from "../../i18n";
import { Chart, type ChartOption } from "./chart";
import type { Trend } from "./types";
import { useText } from "./text";
import { FigureCells, FigureHeads } from "./figures";
import { BLUE, GREEN, RED } from "./colors";

/** Twelve months of counts and rates: a line chart and the same figures as a table. */
export function TrendSection({ trend }: { trend: Trend }) {
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
                <FigureHeads />
              </tr>
            </thead>
            <tbody>
              {months.map((m) => (
                <tr key={m.month}>
                  <th scope="row">{m.month}</th>
                  <FigureCells row={m} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
