import { t } from "../../i18n";
import type { CaseBundle } from "../../lib/cases";

/** The parties of a case (applicant, respondent…) as this device may see them. */
export function Parties({ b }: { b: CaseBundle }) {
  if (!b.parties.length) return null;
  return (
    <section class="card">
      <h3>{t("parties")}</h3>
      <ul class="plain" data-testid="case-parties">
        {b.parties.map((p) => (
          <li key={p.key}>
            {t((p.view["role"] as "applicant") ?? "applicant")}：{String(p.view["name"] ?? "")} {p.view["phone"] ? `· ${String(p.view["phone"])}` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}
