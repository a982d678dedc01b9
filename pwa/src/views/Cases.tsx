import { t, lang } from "../i18n";
import { ctx, useLive } from "../app/state";
import { useSignal } from "../lib/signal";
import { Link } from "../router";
import { CaseSyncBadge, Empty, Page, StatusLabel, fmtTime } from "../ui";
import { listCases, type CaseListItem } from "../lib/cases";

export function CaseRow({ c, testid = "case-item", extra }: { c: CaseListItem; testid?: string; extra?: preact.ComponentChildren }) {
  return (
    <li>
      <Link href={`/cases/${c.key}`} class="case-item" data-testid={testid} data-key={c.key} data-code={String(c.view["code"] ?? "")}>
        <div class="row1">
          <strong class="summary">{String(c.view["summary"] ?? "")}</strong>
          <StatusLabel status={c.status} testid={`${testid}-status`} />
        </div>
        <div class="row2">
          <span class="mono">{String(c.view["code"] ?? "")}</span>
          <span>{fmtTime(c.first)}</span>
          <CaseSyncBadge badge={c.badge} reason={c.failure} testid={`${testid}-sync`} />
        </div>
        {extra}
      </Link>
    </li>
  );
}

export function Cases() {
  useSignal(lang);
  const cases = useLive(() => listCases(ctx.repo), []);
  return (
    <Page title={t("cases_title")} testid="page-cases">
      {cases === undefined ? (
        <p>{t("loading")}</p>
      ) : cases.length === 0 ? (
        <Empty text={t("cases_empty")} />
      ) : (
        <ul class="list" data-testid="case-list">
          {cases.map((c) => (
            <CaseRow key={c.key} c={c} />
          ))}
        </ul>
      )}
    </Page>
  );
}
