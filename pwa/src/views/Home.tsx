import { useEffect } from "preact/hooks";
import { lang, t } from "../i18n";
import { prefetchConsult } from "../lib/consult";
import { ctx, isStaff, session, useLive, village } from "../app/state";
import { useSignal } from "../lib/signal";
import { Link, navigate } from "../router";
import { Page } from "../ui";
import { cachedRegions, regionName } from "../lib/regions";
import { posterProblem } from "../lib/poster";
import { offlineReady } from "../app/sw-bridge";
import { IconFile, IconFolder, IconInbox, IconScan, IconVillage } from "../icons";

export function Home() {
  const sess = useSignal(session);
  const v = useSignal(village);
  const poster = useSignal(posterProblem);
  const regions = useLive(() => cachedRegions(ctx.repo), []);
  const staff = isStaff(sess.role);
  const ready = useSignal(offlineReady);
  // keep the consultation guide and this village's directory on the phone for offline 咨询
  useEffect(() => {
    if (!staff || sess.role === "grid_worker") void prefetchConsult(ctx.repo, v);
  }, [v, staff]);
  return (
    <Page title={t("app_name")} back={false} testid="page-home">
      <p class="tagline">{t("tagline")}</p>
      {poster ? (
        <div class="banner error" role="alert" data-testid="poster-problem">
          {t("poster_unknown_village", { v: poster.village })}
        </div>
      ) : null}
      {v ? (
        <p class="village" data-testid="home-village">
          {t("home_village")}：{regionName(regions ?? [], v)}
        </p>
      ) : null}
      <nav class="tiles" aria-label={t("home")}>
        {sess.role === "mediator" || sess.role === "org_admin" || sess.role === "court_clerk" ? (
          <Link href="/inbox" class="tile primary" data-testid="nav-inbox">
            <IconInbox />
            {t("home_inbox")}
          </Link>
        ) : null}
        {sess.role === "grid_worker" ? (
          <Link href="/grid" class="tile primary" data-testid="nav-grid">
            <IconVillage />
            {t("home_grid")}
          </Link>
        ) : null}
        {!staff || sess.role === "grid_worker" ? (
          <Link href="/file" class={`tile ${staff ? "" : "primary"}`} data-testid="nav-file">
            <IconFile />
            {t("home_file")}
          </Link>
        ) : null}
        {!staff || sess.role === "grid_worker" ? (
          <Link href="/consult" class="tile" data-testid="nav-consult">
            <IconFile />
            {lang.value === "en" ? "Ask first" : "智能咨询"}
          </Link>
        ) : null}
        <Link href="/cases" class="tile" data-testid="nav-cases">
          <IconFolder />
          {t("home_cases")}
        </Link>
        <Link href="/scan" class="tile" data-testid="nav-scan">
          <IconScan />
          {t("home_scan")}
        </Link>
        {sess.role === "admin" || sess.role === "org_admin" || sess.role === "grid_worker" ? (
          <Link href="/admin/posters" class="tile small" data-testid="nav-posters">
            {t("home_posters")}
          </Link>
        ) : null}
        {sess.role === "analyst" || sess.role === "admin" ? (
          <Link href="/cockpit" class="tile primary" data-testid="nav-cockpit">
            {lang.value === "en" ? "Data cockpit" : "数据驾驶舱"}
          </Link>
        ) : null}
        {["analyst", "admin", "org_admin", "mediator"].includes(sess.role) ? (
          <Link href="/cockpit/assessment" class="tile small" data-testid="nav-assessment">
            {lang.value === "en" ? "Assessment" : "考核"}
          </Link>
        ) : null}
        {!staff ? (
          <Link href="/login" class="tile small" data-testid="nav-login">
            {t("home_staff")}
          </Link>
        ) : null}
      </nav>
      <Notifications />
      {ready ? (
        <p class="offline-ok" data-testid="offline-ready">
          ✓ {t("offline_ok")}
        </p>
      ) : null}
    </Page>
  );
}

/** Notifications that synced as records (also when no push service is reachable). */
function Notifications() {
  const sess = useSignal(session);
  // an admin's scope holds everyone's inbox records: show only those addressed to this user
  const me = isStaff(sess.role) ? (sess.user?.id ?? null) : null;
  const list = useLive(
    async () =>
      (await ctx.repo.records("notification"))
        .filter((r) => r.view["read"] !== true && (!me || r.view["user"] === undefined || r.view["user"] === me))
        .sort((a, b) => b.first - a.first),
    [me],
  );
  if (!list?.length) return null;
  return (
    <section class="card" aria-label={t("notifications")}>
      <h3>{t("notifications")}</h3>
      <ul class="plain" data-testid="notification-list">
        {list.slice(0, 5).map((n) => (
          <li key={n.key}>
            <button
              type="button"
              class="link notification"
              data-testid="notification-item"
              onClick={() => {
                void ctx.repo.commit([{ entity: "notification", key: n.key, kind: "put", field: "read", value: true }]);
                const url = typeof n.view["url"] === "string" ? (n.view["url"] as string) : n.view["case"] ? `/cases/${String(n.view["case"])}` : "/cases";
                navigate(url.startsWith("/") ? url : new URL(url).pathname);
              }}
            >
              <strong>{String(n.view["title"] ?? "")}</strong> {String(n.view["body"] ?? "")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
