import { t, lang } from "../../i18n";
import { ctx, isStaff, session, useLive } from "../../app/state";
import { useSignal } from "../../lib/signal";
import { Empty, Page } from "../../ui";
import { loadCase } from "../../lib/cases";
import { cachedRegions } from "../../lib/regions";
import { useNames } from "./names";
import { CaseHeader } from "./header";
import { Parties } from "./parties";
import { Actions } from "./actions";
import { Timeline } from "./timeline";
import { Chat } from "./chat";
import { Evidence } from "./evidence";
import { AgreementCard } from "./agreement";
import { RatingCard } from "./rating";

/** One case as this device knows it: header, parties, the actions this role may take, timeline, chat and evidence. */
export function CaseDetail({ id }: { id: string }) {
  useSignal(lang);
  const sess = useSignal(session);
  const b = useLive(() => loadCase(ctx.repo, id), [id]);
  const regions = useLive(() => cachedRegions(ctx.repo), []);
  const names = useNames(b?.view["org"], b?.view["mediator"], sess.user?.org);

  if (!b) return <Page title={t("case_detail")}>{t("loading")}</Page>;
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
      <Actions id={id} b={b} role={sess.role} />
      <AgreementCard id={id} b={b} role={sess.role} userId={sess.user?.id ?? null} />
      <RatingCard id={id} b={b} role={sess.role} />
      <Timeline b={b} orgs={names.orgs} />
      <Chat b={b} id={id} />
      <Evidence b={b} />
    </Page>
  );
}
