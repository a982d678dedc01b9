import { useEffect, useRef } from "preact/hooks";
import { t, lang } from "../../i18n";
import { ctx, isStaff, session, toast, useLive } from "../../app/state";
import { useSignal } from "../../lib/signal";
import { Link, navigate } from "../../router";
import { CaseSyncBadge, Empty, Page, useSyncStatus } from "../../ui";
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
  const synced = useLive(async () => (await ctx.repo.getMeta<number>("cursor")) !== undefined, []);
  const sync = useSyncStatus();
  const seen = useRef<string | null>(null); // the case this page has shown
  const staff = isStaff(sess.role);
  if (b?.row) seen.current = b.key;
  // a case filed here and refused by the server is not "gone": its page says why (below)
  const refused = b !== undefined && !b.row && (b.secret !== undefined || b.failures.length > 0);
  const gone = b !== undefined && !b.row && !refused && seen.current === id && b.key === id;
  useEffect(() => {
    // The case left this person's scope (declined and moved up, reassigned): say so, go to the list.
    if (!gone) return;
    toast(staff ? t("case_moved_away") : t("case_gone"), "ok");
    navigate(staff ? "/inbox" : "/cases", true);
  }, [gone]);
  useEffect(() => {
    if (b && !b.row && !synced) void ctx.sync.now(); // opened from a link before the first sync
  }, [b === undefined, b?.row === undefined, synced]);

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
    const waiting = !gone && (!synced || sync.state === "syncing");
    return (
      <Page title={t("case_detail")} back={staff ? "/inbox" : "/cases"} testid="page-case">
        {waiting ? (
          <p class="empty" role="status" data-testid="case-waiting">
            {sync.state === "offline" ? t("case_waiting_offline") : t("case_waiting")}
          </p>
        ) : (
          <Empty text={t("case_not_here")} />
        )}
      </Page>
    );
  }
  return (
    <Page title={t("case_detail")} back="/cases" testid="page-case">
      <CaseHeader id={id} b={b} staff={staff} regions={regions ?? []} orgs={names.orgs} mediatorName={names.mediatorName} />
      <Parties b={b} />
      <Actions id={id} b={b} role={sess.role} user={sess.user} />
      <AgreementCard id={id} b={b} role={sess.role} userId={sess.user?.id ?? null} />
      <RatingCard id={id} b={b} role={sess.role} />
      <Timeline b={b} orgs={names.orgs} />
      <Chat b={b} id={id} staff={staff} />
      <Evidence b={b} />
    </Page>
  );
}
