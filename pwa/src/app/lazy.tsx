/**
 * Routes whose code loads on demand (the cockpit with ECharts, the scanner with jsQR). After a
 * deploy, an installed app still runs the old build, whose chunk names the server no longer has:
 * the import fails (404). Then say so and offer the update, which fetches the new build and reopens
 * this page in it (app/sw-bridge.ts `applyUpdate`); offline, say the page needs a connection.
 */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n";
import { Big, Page } from "../ui";
import { applyUpdate } from "./sw-bridge";

export function Lazy({ load, title }: { load: () => Promise<{ default: ComponentType }>; title: () => string }) {
  const [C, setC] = useState<ComponentType | null>(null);
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let alive = true;
    setFailed(false);
    load().then(
      (m) => alive && setC(() => m.default),
      () => alive && setFailed(true),
    );
    return () => {
      alive = false;
    };
  }, [attempt]);
  if (C) return <C />;
  if (!failed) return <Page title={title()}>{t("loading")}</Page>;
  const offline = navigator.onLine === false;
  return (
    <Page title={title()} back="/" testid="page-stale">
      <p class="banner" role="alert" data-testid="stale-build">
        {offline ? t("chunk_offline") : t("chunk_update")}
      </p>
      {offline ? (
        <Big data-testid="stale-retry" onClick={() => setAttempt((n) => n + 1)}>
          {t("retry")}
        </Big>
      ) : (
        <Big
          data-testid="stale-update"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void applyUpdate();
          }}
        >
          {busy ? t("updating") : t("update_and_open")}
        </Big>
      )}
    </Page>
  );
}
