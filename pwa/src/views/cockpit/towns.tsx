import { useMemo } from "preact/hooks";
import { lang } from "../../i18n";
import { Chart, type ChartOption } from "./chart";
import type { Summary } from "./types";
import { useText } from "./text";
import { FigureCells, FigureHeads } from "./figures";
import { BLUE, RED } from "./colors";

/** Figures per township: a bar chart (when there is more than one) and a table. */
export function TownSection({ summary }: { summary: Summary }) {
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
              <FigureHeads />
              <th scope="col">{tx("open")}</th>
            </tr>
          </thead>
          <tbody>
            {towns.map((t) => (
              <tr key={t.region} data-testid="cockpit-town-row" data-region={t.region ?? ""}>
                <th scope="row">{t.name}</th>
                <FigureCells row={t} />
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
