import { t, lang } from "../../i18n";
import { ctx, isStaff, session, useLive } from "../../app/state";
import { useSignal } from "../../lib/signal";
import { CaseSyncBadge, Empty, Page } from "../../ui";
import { Link } from "../../router";
import { loadCase } from "../../lib/cases";
import { cachedRegions } from "../../lib/regions";
import { useNames } from "./names";
import { CaseHeader } from "./header";
import { Parties } from "./parties";
import { Actions } from "./actions";
import { Timeline } from "./timeline";
import { Chat } from "./chat";
import { Evidence } from "./evidence";

/** One case as this device knows it: header, parties, the actions this role may take, timeline, chat and evidence. */
export function CaseDetail({ id }: { id: string }) {
  useSignal(lang);
  const sess = useSignal(session);
  const b = useLive(() => loadCase(ctx.repo, id), [id]);
  const regions = useLive(() => cachedRegions(ctx.repo), []);
  const names = useNames(b?.view["org"], b?.view["mediator"], sess.user?.org);

  if (!b) return <Page title={t("case_detail")}>{t("loading")}</Page>;
  if (!b.row && (b.secret || b.failures.length)) {
    // Filed here, refused by the server as a whole: say so, with the code and the server's words.
    return (
      <Page title={t("case_detail")} back="/cases" testid="page-case">
        <section class="card" data-testid="case-refused">
          <p class="mono" data-testid="case-code">
            {b.secret?.code ?? ""}
          </p>
          <p>
            <CaseSyncBadge badge={b.badge} />
          </p>
          <p>{t("case_refused")}</p>
          {[...new Set(b.failures.map((f) => f.message))].map((m) => (
            <div class="banner error" role="alert" data-testid="case-failure" key={m}>
              {m}
            </div>
          ))}
          <Link href="/file" class="btn block" data-testid="case-refile">
            {t("home_file")}
          </Link>
        </section>
      </Page>
    );
  }
  if (!b.row) {
    return (
      <Page title={t("case_detail")} testid="page-case">
        <Empty text={t("not_found")} />
      </Page>
    );
  }
  return (
    <Page title={t("case_detail")} back="/cases" testid="page-case">
      <CaseHeader id={id} b={b} staff={isStaff(sess.role)} regions={regions ?? []} orgs={names.orgs} mediatorName={names.mediatorName} />
      <Parties b={b} />
      <Actions id={id} b={b} role={sess.role} user={sess.user} />
      <Timeline b={b} orgs={names.orgs} />
      <Chat b={b} id={id} />
      <Evidence b={b} />
    </Page>
  );
}
