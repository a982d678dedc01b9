import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";
import { ctx, online, useLive } from "../app/state";
import { useSignal } from "../lib/signal";
import { navigate } from "../router";
import { Big, CaseSyncBadge, Page } from "../ui";
import { traceUrl } from "../lib/casecode";
import { drawQr, downloadCanvas } from "../lib/qr";
import { loadCase } from "../lib/cases";

/** Full-screen case code + QR, made on the device; "保存二维码图片" saves it as a PNG. */
export function Filed({ id, isNew }: { id: string; isNew: boolean }) {
  const bundle = useLive(() => loadCase(ctx.repo, id), [id]);
  const isOnline = useSignal(online);
  const canvas = useRef<HTMLCanvasElement>(null);
  const secret = bundle?.secret;
  const url = secret ? traceUrl(location.origin, secret.code, secret.token) : "";
  useEffect(() => {
    if (canvas.current && url) drawQr(canvas.current, url, { scale: 8 });
  }, [url]);

  function save() {
    if (!secret) return;
    const c = document.createElement("canvas");
    drawQr(c, url, { scale: 10, caption: secret.code, sub: `${t("app_name")} · ${t("filed_hint")}` });
    downloadCanvas(c, `${secret.code}.png`);
  }

  if (bundle && !secret) {
    return (
      <Page title={t("show_qr")} testid="page-qr">
        <p>{t("trace_no_token")}</p>
      </Page>
    );
  }
  return (
    <Page title={isNew ? t("filed_title") : t("show_qr")} back={`/cases/${id}`} testid="page-qr">
      <div class="qr-full">
        {isNew && !isOnline ? (
          <p class="banner offline" data-testid="filed-offline">
            {t("filed_offline")}
          </p>
        ) : null}
        <p class="code-label">{t("case_code")}</p>
        <p class="code" data-testid="case-code" aria-live="polite">
          {secret?.code ?? "…"}
        </p>
        <canvas ref={canvas} class="qr" data-testid="case-qr" data-url={url} role="img" aria-label={`${t("show_qr")} ${secret?.code ?? ""}`} />
        <p class="hint">{t("filed_hint")}</p>
        {bundle ? <CaseSyncBadge badge={bundle.badge} reason={bundle.failures[0]?.message} /> : null}
        <Big data-testid="save-qr" onClick={save} class="block">
          {t("save_qr")}
        </Big>
        <Big kind="secondary" data-testid="qr-done" class="block" onClick={() => navigate(`/cases/${id}`, true)}>
          {t("done")}
        </Big>
      </div>
    </Page>
  );
}
