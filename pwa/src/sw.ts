/// <reference lib="webworker" />
/**
 * The service worker, kept thin: precache the app shell, clean old caches, SPA navigation
 * fallback, skip-waiting on request, runtime caching for regions/orgs,
 * Web Push + notificationclick, and Background Sync (tell a page to sync, or sync here).
 *
 * Test hook: a browser cannot click a notification over CDP, so when this install's IndexedDB
 * `meta.debug` is true (only code running on the device can set it) the message
 * `{type: "DEBUG_NOTIFICATION_CLICK", tag}` runs the same click handler on a shown notification.
 */
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import { StaleWhileRevalidate } from "workbox-strategies";
import { Repo } from "./store/repo";
import { runSync } from "./sync/client";
import { openJiefenDb } from "./store/db";

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// control the page that installed us at once (an update still waits for the user's consent)
clientsClaim();

registerRoute(
  new NavigationRoute(createHandlerBoundToURL("/index.html"), {
    denylist: [/^\/api\//, /^\/schema/, /^\/assets\//],
  }),
);

registerRoute(
  ({ url, request }) => request.method === "GET" && url.origin === self.location.origin && (url.pathname === "/api/v1/regions" || url.pathname === "/api/v1/orgs"),
  new StaleWhileRevalidate({ cacheName: "jiefen-reference" }),
);

// The trace API is not cached here: its answer depends on the X-Case-Token header, which a URL-keyed
// cache would ignore. The trace page keeps its own copy, tied to the token's hash (views/Trace.tsx).

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

/** Open what a notification points at: focus an open window of the app and route it there, else open one. */
async function openFromNotification(notification: Notification): Promise<"focused" | "opened"> {
  notification.close();
  const url = new URL(((notification.data as { url?: string } | null)?.url ?? "/") as string, self.location.origin);
  const path = url.pathname + url.search + url.hash;
  const list = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const c of list) {
    if (new URL(c.url).origin === self.location.origin) {
      try {
        await c.focus();
      } catch {
        /* focus() needs the click's user activation; the route change below still happens */
      }
      c.postMessage({ type: "navigate", url: path });
      return "focused";
    }
  }
  await self.clients.openWindow(url.href);
  return "opened";
}

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(openFromNotification(event.notification));
});

async function debugEnabled(): Promise<boolean> {
  const db = await openJiefenDb();
  try {
    return (await db.get("meta", "debug")) === true;
  } finally {
    db.close();
  }
}

self.addEventListener("message", (event) => {
  const data = event.data as { type?: string; tag?: string } | null;
  if (data?.type !== "DEBUG_NOTIFICATION_CLICK") return;
  event.waitUntil(
    (async () => {
      if (!(await debugEnabled())) return;
      const [n] = await self.registration.getNotifications(data.tag ? { tag: data.tag } : undefined);
      const how = n ? await openFromNotification(n) : "none";
      (event.source as Client | null)?.postMessage({ type: "DEBUG_NOTIFICATION_CLICKED", how });
    })(),
  );
});
