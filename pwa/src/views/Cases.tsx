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

/** A case followed by QR: the server sends only its public trace (status, masked parties). */
function FollowedRow({ code, status, token }: { code: string; status: string | undefined; token: string }) {
  return (
    <li>
      <Link href={`/t/${code}#k=${token}`} class="case-item" data-testid="followed-item" data-code={code}>
        <div class="row1">
          <span class="mono">{code}</span>
          <StatusLabel status={status} testid="followed-item-status" />
        </div>
      </Link>
    </li>
  );
}

async function listFollowed(): Promise<{ code: string; status: string | undefined; token: string }[]> {
  const out = [];
  for (const r of await ctx.repo.records("trace")) {
    const view = (r.view["view"] ?? {}) as Record<string, unknown>;
    const code = String(view["code"] ?? "");
    const token = await ctx.repo.getMeta<string | boolean>(`follow:${code}`);
    if (code) out.push({ code, status: view["status"] as string | undefined, token: typeof token === "string" ? token : "" });
  }
  return out;
}

/** A list of cases, "loading" until it is read and "no cases" when it is empty. */
export function CaseList({ cases, testid, itemTestid }: { cases: CaseListItem[] | undefined; testid: string; itemTestid?: string }) {
  if (cases === undefined) return <p>{t("loading")}</p>;
  if (cases.length === 0) return <Empty text={t("cases_empty")} />;
  return (
    <ul class="list" data-testid={testid}>
      {cases.map((c) => (
        <CaseRow key={c.key} c={c} testid={itemTestid} />
      ))}
    </ul>
  );
}

export function Cases() {
  useSignal(lang);
  const cases = useLive(() => listCases(ctx.repo), []);
  const followed = useLive(() => listFollowed(), []);
  return (
    <Page title={t("cases_title")} testid="page-cases">
      <CaseList cases={cases} testid="case-list" />
      {followed && followed.length > 0 ? (
        <>
          <h2>{t("cases_followed")}</h2>
          <ul class="list" data-testid="followed-list">
            {followed.map((f) => (
              <FollowedRow key={f.code} {...f} />
            ))}
          </ul>
        </>
      ) : null}
    </Page>
  );
}
