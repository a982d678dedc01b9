/** Talk to the service worker: update with consent, "可离线使用", messages from the worker. */
import { registerSW } from "virtual:pwa-register";
import { ctx, toast } from "./state";
import { signal } from "../lib/signal";
import { t } from "../i18n";
import { navigate } from "../router";

export const offlineReady = signal(false);

export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  const updateSW = registerSW({
    immediate: true,
    onNeedRefresh() {
      toast(t("update_ready"), "info", { sticky: true, action: { label: t("update"), run: () => void updateSW(true) } });
    },
    onOfflineReady() {
      offlineReady.value = true;
      toast(t("offline_ready"), "ok");
    },
    onRegisteredSW(_url, reg) {
      // look for a new version now and then (the app may stay open all day)
      if (reg) setInterval(() => void reg.update().catch(() => {}), 60 * 60 * 1000);
    },
  });
  void navigator.serviceWorker.ready.then(() => (offlineReady.value = true));
  navigator.serviceWorker.addEventListener("message", (e: MessageEvent) => {
    const data = e.data as { type?: string; url?: string } | null;
    if (data?.type === "sync" || data?.type === "push") void ctx.sync.now();
    if (data?.type === "navigate" && data.url) navigate(data.url);
  });
}
