import { Empty } from "../../ui";
import type { Risks, TownFigures } from "./types";
import { placeOf } from "./regions";
import { useText, type TextKey } from "./text";

/** Risk early warnings (spike, repeated respondent, group dispute) and the rules that raise them. */
export function RiskSection({ risks, cities = [], counties = [] }: { risks: Risks; cities?: TownFigures[]; counties?: TownFigures[] }) {
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
              <span class="ck-where" data-testid="cockpit-risk-where">
                {placeOf(w, cities, counties)}
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
