import { t, eventLabel, roleLabel, statusLabel } from "../../i18n";
import { fmtTime } from "../../ui";
import type { CaseBundle } from "../../lib/cases";
import { orgName, type Org } from "../../lib/orgs";

/** The case's events, oldest first: what happened, who did it (name and role, or the system), when, and the text they gave. */
export function Timeline({ b, orgs }: { b: CaseBundle; orgs: Org[] }) {
  return (
    <section class="card">
      <h3>{t("timeline")}</h3>
      {b.timeline.length === 0 ? (
        <p class="hint">{statusLabel(b.status)}</p>
      ) : (
        <ol class="timeline" data-testid="case-timeline">
          {b.timeline.map((e) => {
            const ev = e.view;
            const event = typeof ev["event"] === "string" ? (ev["event"] as string) : "";
            const to = typeof ev["to"] === "string" ? (ev["to"] as string) : null;
            const role = typeof ev["actor_role"] === "string" ? (ev["actor_role"] as string) : "";
            const name = typeof ev["actor_name"] === "string" ? (ev["actor_name"] as string) : "";
            const who = role === "system" || (!role && ev["actor"] === "system") ? t("system_actor") : name ? `${name}（${roleLabel(role)}）` : roleLabel(role);
            const toOrg = event === "assigned" && ev["org"] ? (orgName(orgs, ev["org"]) ?? t("org_pending")) : null;
            const details: [string, unknown][] = [
              [t("agreement_label"), ev["agreement"]],
              [t("ruling"), ev["ruling"]],
              [t("docket_no"), ev["docket_no"]],
            ];
            return (
              <li key={e.key} data-testid="timeline-item" data-event={event}>
                <strong data-testid="timeline-label">
                  {eventLabel(event, to)}
                  {toOrg ? `：${toOrg}` : ""}
                </strong>
                <span class="who" data-testid="timeline-who">
                  {who}
                </span>
                <time data-testid="timeline-at">{fmtTime(ev["at"] ?? e.first)}</time>
                {details.map(([label, value]) =>
                  typeof value === "string" && value ? (
                    <p class="reason" key={label}>
                      {label}：{value}
                    </p>
                  ) : null,
                )}
                {ev["reason"] && ev["reason"] !== ev["agreement"] ? (
                  <p class="reason" data-testid="timeline-reason">
                    {String(ev["reason"])}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
