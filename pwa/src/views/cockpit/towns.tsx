import { useMemo } from "preact/hooks";
import { lang } from "../../i18n";
import { Chart, type ChartOption } from "./chart";
import type { ComponentChildren } from "preact";
import type { Summary, TownFigures } from "./types";
import { cityRows, countyRows, listsTowns } from "./regions";
import { useText } from "./text";
import { FigureCells, FigureHeads } from "./figures";
import { BLUE, RED } from "./colors";

/** Figures per township: a bar chart (when there is more than one) and a table. */
export function TownSection({ summary }: { summary: Summary }) {
  const tx = useText();
  if (!listsTowns(summary)) return null;
  return (
    <RegionSection rows={summary.towns} title={tx("towns")} head={tx("town")} chartLabel={tx("towns_label")} testid="cockpit-town">
      {summary.unplaced ? <p class="ck-note">{tx("unplaced", { n: summary.unplaced })}</p> : null}
    </RegionSection>
  );
}

/** A city's or province's view: the same figures per county (none for a county's view); the
 * province's is its finest table (no townships), with its own note on unplaced cases. */
export function CountySection({ summary, pick }: { summary: Summary; pick?: (region: string) => void }) {
  const tx = useText();
  const rows = countyRows(summary);
  if (!rows.length) return null;
  const finest = !listsTowns(summary); // a province: no township table below
  return (
    <RegionSection rows={rows} title={tx("counties")} head={tx("county")} chartLabel={tx("counties_label")} testid="cockpit-county" pick={pick}>
      {finest ? <p class="ck-note" data-testid="cockpit-no-towns">{tx("no_towns")}</p> : null}
      {finest && summary.unplaced ? <p class="ck-note">{tx("unplaced_county", { n: summary.unplaced })}</p> : null}
    </RegionSection>
  );
}

/** A province's view: the same figures per city, first; a city's name opens that city's view. */
export function CitySection({ summary, pick }: { summary: Summary; pick?: (region: string) => void }) {
  const tx = useText();
  const rows = cityRows(summary);
  if (!rows.length) return null;
  return <RegionSection rows={rows} title={tx("cities")} head={tx("city")} chartLabel={tx("cities_label")} testid="cockpit-city" pick={pick} pickTitle={tx("pick_city")} />;
}

/** ``pick``: rows are links to that region's own view (a county's townships). */
function RegionSection(props: {
  rows: TownFigures[];
  title: string;
  head: string;
  chartLabel: string;
  testid: string;
  pick?: (region: string) => void;
  pickTitle?: string;
  children?: ComponentChildren;
}) {
  const tx = useText();
  const { rows, testid } = props;
  const sorted = useMemo(() => [...rows].sort((a, b) => a.total - b.total), [rows]);
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
    <section class="card ck-section" aria-labelledby={`ck-${testid}`}>
      <h2 id={`ck-${testid}`}>{props.title}</h2>
      {rows.length > 1 ? <Chart option={option} height={Math.max(160, 40 + rows.length * 30)} label={props.chartLabel} testid={`${testid}-chart`} /> : null}
      <div class="ck-scroll">
        <table class="ck-table" data-testid={`${testid}-table`}>
          <caption>{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">{props.head}</th>
              <FigureHeads />
              <th scope="col">{tx("open")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.region} data-testid={`${testid}-row`} data-region={t.region ?? ""}>
                <th scope="row">
                  {props.pick && t.region ? (
                    <button type="button" class="ck-pick" title={props.pickTitle ?? tx("pick_county")} onClick={() => props.pick!(t.region!)} data-testid={`${testid}-pick`}>
                      {t.name}
                    </button>
                  ) : (
                    t.name
                  )}
                </th>
                <FigureCells row={t} />
                <td>{t.open}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.children}
    </section>
  );
}
