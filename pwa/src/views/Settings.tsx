import { useEffect, useState } from "preact/hooks";
import { t, lang, setLang, roleLabel } from "../i18n";
import { ctx, isStaff, largeText, session, toast } from "../app/state";
import { useSignal } from "../lib/signal";
import { navigate } from "../router";
import { Big, Page } from "../ui";
import { logout } from "../app/auth";
import { enablePush } from "../lib/push";
import { storageEstimate } from "../app/storage";
import { ensureToken } from "../sync/client";

export function Settings() {
  const l = useSignal(lang);
  const big = useSignal(largeText);
  const sess = useSignal(session);
  const [est, setEst] = useState<Awaited<ReturnType<typeof storageEstimate>>>(null);
  const [push, setPush] = useState<string | null>(null);
  useEffect(() => {
    void storageEstimate().then(setEst);
  }, []);

  async function doPush() {
    setPush(t("loading"));
    try {
      const token = await ensureToken(ctx.repo);
      const r = await enablePush(token);
      const text = r === "on" ? t("push_on") : r === "unsupported" ? t("push_unsupported") : r === "denied" ? t("push_denied") : t("push_failed");
      setPush(text);
    } catch {
      setPush(t("push_failed"));
    }
  }

  async function doLogout() {
    if ((await ctx.repo.outbox(1)).length) {
      await ctx.sync.now();
      if ((await ctx.repo.outbox(1)).length && !confirm(t("logout_pending"))) return;
    }
    await logout();
    toast(t("logout"), "ok");
    navigate("/", true);
  }

  return (
    <Page title={t("settings")} testid="page-settings">
      <section class="card">
        <h3>{t("language")}</h3>
        <div class="row">
          <Big kind={l === "zh" ? "primary" : "secondary"} data-testid="lang-zh" aria-pressed={l === "zh"} onClick={() => setLang("zh")}>
            中文
          </Big>
          <Big kind={l === "en" ? "primary" : "secondary"} data-testid="lang-en" aria-pressed={l === "en"} onClick={() => setLang("en")}>
            English
          </Big>
        </div>
      </section>
      <section class="card">
        <h3>{t("large_text")}</h3>
        <Big
          kind={big ? "primary" : "secondary"}
          role="switch"
          aria-checked={big}
          data-testid="large-text"
          onClick={() => {
            largeText.value = !big;
            try {
              localStorage.setItem("jiefen.large", largeText.value ? "1" : "0");
            } catch {
              /* ignore */
            }
          }}
        >
          {t("large_text")}：{big ? t("on") : t("off")}
        </Big>
      </section>
      <section class="card">
        <h3>{t("notifications")}</h3>
        <Big kind="secondary" data-testid="enable-push" onClick={() => void doPush()}>
          {t("enable_push")}
        </Big>
        {push ? (
          <p class="hint" data-testid="push-status" role="status">
            {push}
          </p>
        ) : null}
      </section>
      <section class="card">
        <h3>{t("storage")}</h3>
        {est ? (
          <p class="hint" data-testid="storage-info">
            {(est.usage / 1048576).toFixed(1)} MB / {(est.quota / 1048576).toFixed(0)} MB{est.persisted ? ` · ${t("storage_persisted")}` : ""}
          </p>
        ) : null}
        <Big kind="secondary" data-testid="sync-now" onClick={() => void ctx.sync.now()}>
          {t("sync_now")}
        </Big>
      </section>
      {isStaff(sess.role) ? (
        <section class="card">
          <p>
            {sess.user?.name} · {roleLabel(sess.role)}
          </p>
          <Big kind="danger" data-testid="logout" onClick={() => void doLogout()}>
            {t("logout")}
          </Big>
        </section>
      ) : null}
    </Page>
  );
}
