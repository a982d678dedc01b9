/** Web Push subscription (VAPID). Headless or push-less browsers never settle: time out and say so. */
import { request } from "./api";

export type PushResult = "on" | "unsupported" | "denied" | "error";

function b64urlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timeout")), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

export async function enablePush(token: string, timeoutMs = 10000): Promise<PushResult> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || typeof Notification === "undefined") return "unsupported";
  const perm = await Notification.requestPermission();
  if (perm !== "granted") return "denied";
  try {
    const reg = await withTimeout(navigator.serviceWorker.ready, timeoutMs);
    let sub = await reg.pushManager.getSubscription();
    if (!sub) {
      const { publicKey } = await request<{ publicKey: string }>("/api/v1/push/key", { token });
      sub = await withTimeout(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64urlToBytes(publicKey) }), timeoutMs);
    }
    await request("/api/v1/push/subscriptions", { body: sub.toJSON(), token });
    return "on";
  } catch {
    return "error";
  }
}

export async function disablePush(token: string): Promise<void> {
  const reg = await navigator.serviceWorker?.getRegistration();
  const sub = await reg?.pushManager.getSubscription();
  if (!sub) return;
  try {
    await request("/api/v1/push/subscriptions", { method: "DELETE", body: { endpoint: sub.endpoint }, token });
  } finally {
    await sub.unsubscribe();
  }
}
