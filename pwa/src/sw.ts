/// <reference lib="webworker" />
/**
 * The service worker, kept thin: precache the app shell, clean old caches, SPA navigation
 * fallback, skip-waiting on request, runtime caching for regions/orgs and the trace API,
 * Web Push + notificationclick, and Background Sync (tell a page to sync, or sync here).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import { NetworkFirst, StaleWhileRevalidate } from "workbox-strategies";
import { ExpirationPlugin } from "workbox-expiration";
import { Repo } from "./store/repo";
import { runSync } from "./sync/client";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(
  new NavigationRoute(createHandlerBoundToURL("/index.html"), {
    denylist: [/^\/api\//, /^\/schema/, /^\/assets\//],
  }),
);

registerRoute(
  ({ url, request }) => request.method === "GET" && url.origin === self.location.origin && (url.pathname === "/api/v1/regions" || url.pathname === "/api/v1/orgs"),
  new StaleWhileRevalidate({ cacheName: "jiefen-reference" }),
);

registerRoute(
  ({ url, request }) => request.method === "GET" && url.origin === self.location.origin && url.pathname.startsWith("/api/v1/trace/"),
  new NetworkFirst({
    cacheName: "jiefen-trace",
    networkTimeoutSeconds: 8,
    plugins: [new ExpirationPlugin({ maxEntries: 50, maxAgeSeconds: 30 * 24 * 3600 })],
  }),
);

self.addEventListener("message", (event) => {
  if ((event.data as { type?: string } | null)?.type === "SKIP_WAITING") void self.skipWaiting();
});

async function tellClients(msg: unknown): Promise<number> {
  const list = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const c of list) c.postMessage(msg);
  return list.length;
}

interface SyncEvent extends ExtendableEvent {
  tag: string;
}

self.addEventListener("sync", (event: Event) => {
  const e = event as SyncEvent;
  if (e.tag !== "jiefen-sync") return;
  e.waitUntil(
    (async () => {
      if ((await tellClients({ type: "sync" })) > 0) return;
      // no page open: sync from here (same store, same client code)
      const repo = await Repo.open();
      await runSync(repo);
    })(),
  );
});

interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
  tag?: string;
  case?: string;
}

self.addEventListener("push", (event) => {
  let data: PushPayload = {};
  try {
    data = (event.data?.json() as PushPayload) ?? {};
  } catch {
    data = { body: event.data?.text() };
  }
  const title = data.title || "解纷";
  event.waitUntil(
    Promise.all([
      self.registration.showNotification(title, {
        body: data.body ?? "",
        icon: "/icons/icon-192.png",
        badge: "/icons/icon-192.png",
        tag: data.tag ?? data.case,
        data: { url: data.url ?? "/" },
        lang: "zh-CN",
      }),
      tellClients({ type: "push", url: data.url }),
    ]),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(((event.notification.data as { url?: string } | null)?.url ?? "/") as string, self.location.origin).href;
  event.waitUntil(
    (async () => {
      const list = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const c of list) {
        if (new URL(c.url).origin === self.location.origin) {
          await c.focus();
          c.postMessage({ type: "navigate", url: new URL(url).pathname + new URL(url).search + new URL(url).hash });
          return;
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});
