/**
 * `/admin/posters`: village QR posters (`{BASE_URL}/?v={village}`) for admins and grid workers.
 * The poster API needs the bearer token, so files are fetched with it and saved from a blob.
 */
import { useEffect, useState } from "preact/hooks";
import { t, lang } from "../i18n";
import { ctx, online, session, useLive } from "../app/state";
import { useSignal } from "../lib/signal";
import { Big, Field, NeedLogin, Page, RegionSelect } from "../ui";
import { cachedRegions, refreshRegions, towns, townOf, villagesOf } from "../lib/regions";
import { requestFailure } from "../lib/errors";
import { downloadWithToken } from "../lib/download";

const ROLES = new Set(["admin", "org_admin", "grid_worker"]);

async function download(code: string): Promise<string> {
  const name = `poster-${code}.pdf`;
  await downloadWithToken(`/api/v1/posters/${code}.pdf`, name);
  return name;
}

export function Posters() {
  useSignal(lang);
  const sess = useSignal(session);
  const isOnline = useSignal(online);
  const regions = useLive(() => cachedRegions(ctx.repo), []);
  const grid = sess.role === "grid_worker";
  const own = grid ? (sess.user?.region ?? "") : "";
  const [town, setTown] = useState("");
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    refreshRegions(ctx.repo).then(
      () => ctx.repo.emit(false),
      () => {},
    );
  }, []);
  useEffect(() => {
    if (!regions?.length || town) return;
    setTown((own && townOf(regions, own)) || towns(regions)[0]?.code || "");
  }, [regions, own]);

  if (!ROLES.has(sess.role)) {
    return <NeedLogin title={t("posters_title")} text={t("login_title")} login={t("login")} testid="page-posters" />;
  }

  const villages = town ? villagesOf(regions ?? [], town).filter((v) => !own || v.code === own) : [];
  async function get(code: string) {
    setBusy(code);
    setStatus(null);
    try {
      const name = await download(code);
      setStatus({ ok: true, text: t("posters_done", { f: name }) });
    } catch (e) {
      const why = requestFailure(e, t("posters_need_online"));
      setStatus({ ok: false, text: t("posters_failed", { e: why }) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <Page title={t("posters_title")} back="/" testid="page-posters">
      <p class="hint">{t("posters_hint")}</p>
      {!isOnline ? <p class="banner offline">{t("posters_need_online")}</p> : null}
      {grid ? null : (
        <Field id="p-town" label={t("town")}>
          <RegionSelect id="p-town" testid="posters-town" value={town} regions={towns(regions ?? [])} onChange={setTown} />
        </Field>
      )}
      {!grid && town ? (
        <Big class="block" data-testid="poster-town-download" disabled={busy !== null} onClick={() => void get(town)}>
          {t("posters_town_pdf")}
        </Big>
      ) : null}
      {status ? (
        <p class={`banner ${status.ok ? "ok" : "error"}`} role="status" data-testid="posters-status" data-ok={status.ok ? "1" : "0"}>
          {status.text}
        </p>
      ) : null}
      <ul class="plain poster-list" data-testid="poster-list">
        {villages.map((v) => (
          <li key={v.code} data-testid="poster-item" data-code={v.code}>
            <span>{v.name}</span>
            <Big kind="secondary" data-testid="poster-download" disabled={busy !== null} onClick={() => void get(v.code)}>
              {busy === v.code ? t("loading") : t("posters_village_pdf")}
            </Big>
          </li>
        ))}
      </ul>
    </Page>
  );
}
