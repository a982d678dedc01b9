/**
 * 智能咨询 on the phone: the server answers when it can (POST /api/v1/consult, counted there); with
 * no signal the same answer is made here from the bundled content (server/consult/guidance.json,
 * `virtual:jiefen-guidance`), the bundled classification rules and the village's directory of
 * responsible organisations (GET /api/v1/consult/directory, kept in IndexedDB `meta`).
 * Answers made offline are tallied anonymously (day, village, category) and sent later.
 */
import bundled from "virtual:jiefen-guidance";
import rules from "virtual:jiefen-rules";
import type { components } from "../generated/api";
import type { Repo } from "../store/repo";
import { ApiError, request } from "./api";
import { compileRules, suggest } from "./classify";
import { loadCategoryModel } from "./categoryModel";
import { categorize, type Decision } from "./linearModel";
import { CATEGORIES, FALLBACK_CATEGORY } from "./workflow";

type Schemas = components["schemas"];
/** The wire types of POST /api/v1/consult, generated from the server's OpenAPI document. */
export type Section = Schemas["SectionOut"];
export type Basis = Schemas["BasisOut"];
export type ResponsibleOrg = Schemas["Responsible"];
export type ConsultAnswer = Schemas["ConsultOut"] & {
  /** made on this phone without the server */
  offline?: boolean;
};

interface Cited {
  law: string;
  article: string;
  text?: string;
  point?: string;
}
interface CategoryContent {
  what: string;
  usual: string;
  prepare: string[];
  limits: Cited[];
  bases: Cited[];
}
export interface Guidance {
  version: string;
  laws: Record<string, string>;
  common?: Record<string, Cited>;
  topics?: { label: string; text: string; category: string }[];
  categories: Record<string, CategoryContent>;
}

const TERMS = compileRules(rules);
const TITLES: Record<string, string> = { what: "这是什么纠纷", usual: "通常怎么处理", who: "找谁处理", prepare: "需要准备什么", limits: "要注意的时限" };

export const BUNDLED = bundled as Guidance;
export { TERMS };

/** The content to answer with: a newer version fetched from the server, else the bundled one. */
export async function guidanceOf(repo: Repo): Promise<Guidance> {
  const kept = await repo.getMeta<Guidance>("consult-guidance");
  return kept && kept.categories ? kept : BUNDLED;
}

/** The same layout as server/consult/content.py `render` and service.py `answer`. */
export function answerLocally(g: Guidance, text: string, region: string | null, org: ResponsibleOrg | null, picked?: Decision | null): ConsultAnswer {
  // the learned model with the rules (as the filing form and the server classify); rules alone until it loads
  const best = picked ?? suggest(text, TERMS, 1)[0] ?? null;
  const category = best && g.categories[best.category] ? best.category : FALLBACK_CATEGORY;
  const spec = g.categories[category]!;
  const law = (k: string) => g.laws[k] ?? k;
  const cited = (c: Cited, p: "text" | "point") => `${c[p] ?? ""}（${law(c.law)}${c.article}）`;
  const common = Object.values(g.common ?? {});
  const sections: Section[] = [
    { id: "what", title: TITLES["what"]!, items: [spec.what] },
    { id: "usual", title: TITLES["usual"]!, items: [spec.usual] },
    { id: "prepare", title: TITLES["prepare"]!, items: [...spec.prepare] },
    { id: "limits", title: TITLES["limits"]!, items: spec.limits.map((c) => cited(c, "text")) },
  ];
  if (common.length) sections.push({ id: "mediation", title: "关于人民调解", items: common.map((c) => cited(c, "text")) });
  if (org) {
    const reach = `${org.name}（${org.level_name}）${org.hotline ? `，电话 ${org.hotline}` : ""}`;
    sections.splice(2, 0, { id: "who", title: TITLES["who"]!, items: [reach, org.reason] });
  }
  const seen = new Set<string>();
  const legal_bases: Basis[] = [];
  for (const [c, p] of [...spec.bases.map((b) => [b, "point"] as const), ...spec.limits.map((b) => [b, "text"] as const), ...common.map((b) => [b, "text"] as const)]) {
    const k = `${c.law}|${c.article}`;
    if (seen.has(k)) continue;
    seen.add(k);
    legal_bases.push({ law: law(c.law), article: c.article, point: c[p] ?? "" });
  }
  return {
    category,
    category_name: CATEGORIES.find((c) => c.id === category)?.zh ?? category,
    confidence: 0,
    matched: best?.matched ?? [],
    sections,
    organisation: org,
    legal_bases,
    guidance_version: g.version,
    prefill: { category, region, summary: text.slice(0, 200) },
    offline: true,
  };
}

interface Directory {
  region: string;
  orgs: Record<string, ResponsibleOrg | null>;
}

const REFRESH_MS = 24 * 3600_000;

/** Keep the content and this village's directory on the phone (call when online; failures are
 * quiet). At most once a day per village: on 2G every kilobyte counts. */
export async function prefetchConsult(repo: Repo, region: string | null, force = false): Promise<void> {
  const stamp = `consult-fetched:${region ?? ""}`;
  const last = (await repo.getMeta<number>(stamp)) ?? 0;
  if (!force && Date.now() - last < REFRESH_MS) {
    await flushTally(repo).catch(() => {});
    return;
  }
  try {
    const g = await request<{ version: string; data: Guidance }>("/api/v1/consult/guidance", { timeoutMs: 8000 });
    if (g.data?.categories) await repo.setMeta("consult-guidance", g.data);
    if (region && /^\d{12}$/.test(region)) {
      const d = await request<Directory>(`/api/v1/consult/directory?region=${region}`, { timeoutMs: 8000 });
      await repo.setMeta(`consult-dir:${region}`, d);
    }
    await repo.setMeta(stamp, Date.now());
    await flushTally(repo);
  } catch {
    /* offline or refused: the bundled content still answers */
  }
}

interface TallyItem {
  day: string;
  category: string;
  region: string | null;
}

function chinaDay(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

async function flushTally(repo: Repo): Promise<void> {
  const items = (await repo.getMeta<TallyItem[]>("consult-tally")) ?? [];
  const token = await repo.getMeta<string>("token");
  if (!items.length || !token) return;
  try {
    await request("/api/v1/consult/tally", { body: { items: items.slice(0, 50) }, token, timeoutMs: 8000 });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500) return; // try again later
  }
  await repo.setMeta("consult-tally", items.slice(50)); // sent, or refused for good (e.g. too old)
}

/** Ask the server; with no signal (or a slow one) answer here and remember to count it. */
export async function consult(repo: Repo, text: string, region: string | null): Promise<ConsultAnswer> {
  try {
    const ans = await request<ConsultAnswer>("/api/v1/consult", { body: { text, region }, timeoutMs: 6000 });
    void flushTally(repo);
    return ans;
  } catch (e) {
    if (e instanceof ApiError && e.status < 500 && e.status !== 429) throw e;
  }
  const dir = region ? await repo.getMeta<Directory>(`consult-dir:${region}`) : undefined;
  const g = await guidanceOf(repo);
  const picked = await loadCategoryModel().then((m) => categorize(text, TERMS, m), () => null);
  const first = answerLocally(g, text, region, null, picked);
  const ans = dir ? answerLocally(g, text, region, dir.orgs[first.category] ?? null, picked) : first;
  const items = (await repo.getMeta<TallyItem[]>("consult-tally")) ?? [];
  await repo.setMeta("consult-tally", [...items, { day: chinaDay(), category: ans.category, region }].slice(-200));
  return ans;
}

