/**
 * `/admin/posters`: village QR posters (`{BASE_URL}/?v={village}`) for admins and grid workers.
 * The poster API needs the bearer token, so files are fetched with it and saved from a blob.
 */
import { useEffect, useState } from "preact/hooks";
import { t, lang } from "../i18n";
import { ctx, online, session, useLive } from "../app/state";
import { useSignal } from "../lib/signal";
import { Link } from "../router";
import { Big, Empty, Field, Page } from "../ui";
import { cachedRegions, refreshRegions, towns, townOf, villagesOf } from "../lib/regions";
import { ApiError, NetworkError } from "../lib/api";

const ROLES = new Set(["admin", "org_admin", "grid_worker"]);

async function download(code: string): Promise<string> {
  const token = await ctx.repo.getMeta<string>("token");
  let res: Response;
  try {
    res = await fetch(`/api/v1/posters/${code}.pdf`, { headers: { Authorization: `Bearer ${token ?? ""}` } });
  } catch (e) {
    throw new NetworkError(e);
  }
  if (!res.ok) {
    let detail = "";
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? "";
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, detail);
  }
  const name = `poster-${code}.pdf`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
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
    return (
      <Page title={t("posters_title")} back="/" testid="page-posters">
        <Empty text={t("login_title")} />
        <Link href="/login" class="btn primary block" data-testid="nav-login">
          {t("login")}
        </Link>
      </Page>
    );
  }

  const villages = town ? villagesOf(regions ?? [], town).filter((v) => !own || v.code === own) : [];
  async function get(code: string) {
    setBusy(code);
    setStatus(null);
    try {
      const name = await download(code);
      setStatus({ ok: true, text: t("posters_done", { f: name }) });
    } catch (e) {
      const why = e instanceof NetworkError ? t("posters_need_online") : e instanceof ApiError ? e.detail || `HTTP ${e.status}` : String(e);
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
          <select id="p-town" data-testid="posters-town" value={town} onChange={(e) => setTown(e.currentTarget.value)}>
            {towns(regions ?? []).map((r) => (
              <option key={r.code} value={r.code}>
                {r.name}
              </option>
            ))}
          </select>
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
