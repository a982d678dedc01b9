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

/** Wait (up to `ms`) for `reg` to hold an installed new worker; null when none comes. */
function waitingWorker(reg: ServiceWorkerRegistration, ms: number): Promise<ServiceWorker | null> {
  if (reg.waiting) return Promise.resolve(reg.waiting);
  return new Promise((resolve) => {
    const done = (w: ServiceWorker | null) => {
      clearTimeout(timer);
      resolve(w);
    };
    const timer = setTimeout(() => done(reg.waiting), ms);
    const watch = (w: ServiceWorker | null) =>
      w?.addEventListener("statechange", () => {
        if (w.state === "installed") done(w);
        if (w.state === "redundant") done(null);
      });
    if (reg.installing) watch(reg.installing);
    reg.addEventListener("updatefound", () => watch(reg.installing));
  });
}

/**
 * Bring the new build in and reload into it: look for a new service worker, let it take over
 * (it precaches the new build first), reload when it controls the page. With no worker, or none
 * newer, a plain reload fetches the new index from the server.
 */
export async function applyUpdate(): Promise<void> {
  const reg = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistration() : undefined;
  if (reg) {
    await reg.update().catch(() => {});
    const next = await waitingWorker(reg, 30_000);
    if (next) {
      navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
      next.postMessage({ type: "SKIP_WAITING" });
      return;
    }
  }
  location.reload();
}
