import type { TownFigures } from "./types";
import { useText } from "./text";
import { num, pct } from "./format";

/** The five headline figures of the scope. */
export function Cards({ f }: { f: TownFigures }) {
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
