/** The five figures a township row and a month row both show, in one order (docs/cockpit.md). */
import type { Figures } from "./types";
import { useText } from "./text";
import { num, pct } from "./format";

type Shown = Pick<Figures, "total" | "first_mediation_rate" | "mediation_success_rate" | "settle_withdraw_rate" | "litigation_per_10k">;

/** Column heads for `FigureCells`, after the row's own first head. */
export function FigureHeads() {
  const tx = useText();
  return (
    <>
      <th scope="col">{tx("total")}</th>
      <th scope="col">{tx("first")}</th>
      <th scope="col">{tx("success")}</th>
      <th scope="col">{tx("settle")}</th>
      <th scope="col">{tx("per10k")}</th>
    </>
  );
}

/** A row's figures: the count, three rates as percentages, cases per 10,000 people ("—" for none). */
export function FigureCells({ row }: { row: Shown }) {
  return (
    <>
      <td>{row.total}</td>
      <td>{pct(row.first_mediation_rate)}</td>
      <td>{pct(row.mediation_success_rate)}</td>
      <td>{pct(row.settle_withdraw_rate)}</td>
      <td>{num(row.litigation_per_10k)}</td>
    </>
  );
}
