import { t, lang, eventLabel } from "../../i18n";
import { ctx } from "../../app/state";
import { Link } from "../../router";
import { CaseSyncBadge, Fact, StatusLabel, fmtTime } from "../../ui";
import { activeDeadline, deadlineLevel, type CaseBundle } from "../../lib/cases";
import { categoryName } from "../../lib/categories";
import { regionName, type Region } from "../../lib/regions";
import { orgName, type Org } from "../../lib/orgs";

/** The case card: summary, code, status and sync badges, failures, the running deadline (staff, coloured by how near it is), the deadlines the public trace page shows (everyone), facts and the QR link. */
export function CaseHeader({ id, b, staff, regions, orgs, mediatorName }: { id: string; b: CaseBundle; staff: boolean; regions: Region[]; orgs: Org[]; mediatorName: string | null }) {
  const v = b.view;
  const status = b.status;
  const deadline = activeDeadline({ view: v, first: b.row!.first, status }, b.timeline);
  const level = deadline ? deadlineLevel(deadline.at, deadline.start) : null;
  const org = orgName(orgs, v["org"]);
  return (
    <section class="card" data-testid="case-head" data-key={id}>
      <h2 class="summary" data-testid="case-summary">
        {String(v["summary"] ?? "")}
      </h2>
      <p class="mono" data-testid="case-code">
        {String(v["code"] ?? "")}
      </p>
      <p class="status-line">
        <StatusLabel status={status} />
        {b.pendingTo ? <span class="badge pending">{t("sync_pending")}</span> : null}
        {b.paused ? (
          <span class="badge paused" data-testid="case-paused">
            {t("paused")}
          </span>
        ) : null}
        <CaseSyncBadge badge={b.badge} reason={b.failures[0]?.message} />
      </p>
      {b.failures.map((f) => (
        <div class="banner error" role="alert" data-testid="case-failure" key={f.id}>
          {f.intent ? `${t("rejected")}：` : `${t("sync_failed")}：`}
          {f.message}
          <button type="button" class="link" onClick={() => void ctx.repo.dismissFailure(f.id)}>
            {t("dismiss")}
          </button>
        </div>
      ))}
      {staff && deadline ? (
        <p class={`deadline ${level ?? ""}`} data-testid="case-deadline" data-level={level ?? ""}>
          {deadline.kind === "respond" ? t("deadline_respond") : t("deadline_resolve")}：{fmtTime(deadline.at)}
          {level === "breach" ? ` · ${t("overdue")}` : ""}
          {v["deadline_provisional"] ? (
            <span class="badge pending" data-testid="case-deadline-provisional" title={String(v["deadline_provisional"])}>
              {t("deadline_provisional")}
            </span>
          ) : null}
        </p>
      ) : null}
      {staff && deadline && v["deadline_provisional"] ? (
        <p class="hint" data-testid="case-deadline-note">
          {lang.value === "en" ? t("deadline_provisional_note") : String(v["deadline_provisional"])}
        </p>
      ) : null}
      <dl class="facts">
        {v["category"] ? <Fact label={t("category")} testid="case-category">{categoryName(String(v["category"]), lang.value)}</Fact> : null}
        <dt>{t("village")}</dt>
        <dd>{regionName(regions, String(v["region"] ?? ""))}</dd>
        <dt>{t("filed_at")}</dt>
        <dd>{fmtTime(b.row!.first)}</dd>
        {v["amount"] != null ? <Fact label={t("amount")}>{String(v["amount"])}</Fact> : null}
        {v["respond_by"] ? <Fact label={t("deadline_respond")} testid="case-respond-by">{fmtTime(v["respond_by"])}</Fact> : null}
        {v["resolve_by"] ? <Fact label={t("deadline_resolve")} testid="case-resolve-by">{fmtTime(v["resolve_by"])}</Fact> : null}
        {v["org"] ? <Fact label={t("org")} testid="case-org">{org ?? t("org_pending")}</Fact> : null}
        {v["mediator"] ? <Fact label={t("mediator")} testid="case-mediator">{mediatorName ?? (org ? `${org}${t("mediator")}` : eventLabel("mediator_assigned", null))}</Fact> : null}
      </dl>
      {v["description"] ? <p class="description">{String(v["description"])}</p> : null}
      {b.secret ? (
        <Link href={`/cases/${id}/qr`} class="btn secondary block" data-testid="case-show-qr">
          {t("show_qr")}
        </Link>
      ) : null}
    </section>
  );
}
