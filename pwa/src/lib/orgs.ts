/**
 * Organisations (GET /api/v1/orgs, public) and, for staff, their own organisation's mediators
 * (GET /api/v1/orgs/{id}/mediators), kept in IndexedDB `meta` so names show offline.
 * Cases carry only ids (`org`, `mediator`); the UI never shows those ids.
 */
import type { Repo } from "../store/repo";
import { request } from "./api";

export interface Org {
  id: string;
  name: string;
  level: string;
  kind: string;
  region: string;
  hotline?: string | null;
}

export interface MediatorInfo {
  id: string;
  name: string;
}

export async function cachedOrgs(repo: Repo): Promise<Org[]> {
  return (await repo.getMeta<Org[]>("orgs")) ?? [];
}

let inflight: Promise<Org[]> | null = null;

/** Fetch the organisation list once per call site burst; keep the cached copy when offline. */
export function refreshOrgs(repo: Repo): Promise<Org[]> {
  inflight ??= (async () => {
    try {
      const list = await request<Org[]>("/api/v1/orgs");
      if (Array.isArray(list) && list.length) {
        await repo.setMeta("orgs", list.map((o) => ({ id: o.id, name: o.name, level: o.level, kind: o.kind, region: o.region, hotline: o.hotline ?? null })));
        repo.emit(false);
      }
      return list;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

export function orgName(list: Org[], id: unknown): string | null {
  if (typeof id !== "string" || !id) return null;
  return list.find((o) => o.id === id)?.name ?? null;
}

export async function cachedMediators(repo: Repo, org: string): Promise<MediatorInfo[]> {
  return (await repo.getMeta<MediatorInfo[]>(`mediators:${org}`)) ?? [];
}

/** Staff of `org` may list its mediators; anyone else gets 403 and sees "调解员" instead of a name. */
export async function refreshMediators(repo: Repo, org: string, token: string): Promise<void> {
  const list = await request<MediatorInfo[]>(`/api/v1/orgs/${encodeURIComponent(org)}/mediators`, { token });
  if (Array.isArray(list)) {
    await repo.setMeta(
      `mediators:${org}`,
      list.map((m) => ({ id: m.id, name: m.name })),
    );
    repo.emit(false);
  }
}
