/** App-wide state: the store, the sync scheduler, session, settings, toasts. */
import { useEffect, useState } from "preact/hooks";
import type { Repo } from "../store/repo";
import type { SyncScheduler } from "../sync/client";
import { signal } from "../lib/signal";

export interface User {
  id: string;
  name: string;
  role: string;
  org?: string | null;
  region?: string | null;
}

export interface Session {
  role: string; // citizen when not logged in
  user: User | null;
}

export const ctx: { repo: Repo; sync: SyncScheduler } = {} as never;

export const session = signal<Session>({ role: "citizen", user: null });
export const village = signal<string | null>(null);
export const largeText = signal<boolean>(false);
export const online = signal<boolean>(typeof navigator === "undefined" ? true : navigator.onLine !== false);

export interface Toast {
  id: number;
  text: string;
  kind: "info" | "error" | "ok";
  action?: { label: string; run: () => void };
  sticky?: boolean;
}
export const toasts = signal<Toast[]>([]);
let toastId = 0;
export function toast(text: string, kind: Toast["kind"] = "info", opts: { action?: Toast["action"]; sticky?: boolean; ms?: number } = {}): number {
  const id = ++toastId;
  toasts.value = [...toasts.value.filter((x) => x.text !== text), { id, text, kind, action: opts.action, sticky: opts.sticky }];
  if (!opts.sticky) setTimeout(() => dismissToast(id), opts.ms ?? (kind === "error" ? 8000 : 4000));
  return id;
}
export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((x) => x.id !== id);
}

export const isStaff = (role: string): boolean => role !== "citizen";

/** Re-run `load` whenever the local store changes; undefined while loading. */
export function useLive<T>(load: () => Promise<T>, deps: unknown[] = []): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    let seq = 0;
    const run = () => {
      const my = ++seq;
      load().then(
        (v) => alive && my === seq && setValue(() => v),
        (e) => console.error(e),
      );
    };
    run();
    const off = ctx.repo.subscribe(run);
    return () => {
      alive = false;
      off();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return value;
}
