/**
 * Client-side category suggestion while typing: a port of server/routing/classify.py over the
 * same rules file (server/routing/rules.json, bundled at build time so it works offline).
 *
 * Rules: `categories: {id: {keywords: {word: weight}, absence_negated?: [word]}}`, `min_score`,
 * `negation: {before, after, absence, window}`. Longest non-overlapping hits count; a hit denied by
 * a nearby negation in the same clause does not count; each distinct word counts once per category.
 * The parser is tolerant of older shapes (`rules: [{category, keywords}]`, category lists) too.
 */
import { CATEGORIES, FALLBACK_CATEGORY } from "./workflow";

export interface Suggestion {
  category: string;
  score: number;
  matched: string[];
}

export interface Rules {
  weights: Map<string, [string, number][]>; // normalized word -> (category, weight)
  absenceWords: Map<string, Set<string>>;
  before: string[];
  after: string[];
  absence: string[];
  window: number;
  minScore: number;
  order: Map<string, number>;
  names: Map<string, { zh: string; en: string }>;
}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => !!x && typeof x === "object" && !Array.isArray(x);
const num = (x: unknown, d: number): number => (typeof x === "number" && Number.isFinite(x) ? x : d);
const strs = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === "string" && !!s.trim()) : []);

/** Full-width to half-width, lower case, no whitespace: what the rules are written in. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, "");
}

function keywordPairs(list: unknown, base = 1): [string, number][] {
  if (isObj(list)) return Object.entries(list).map(([w, x]) => [w, num(x, base)]);
  if (!Array.isArray(list)) return typeof list === "string" ? [[list, base]] : [];
  const out: [string, number][] = [];
  for (const it of list) {
    if (typeof it === "string") out.push([it, base]);
    else if (Array.isArray(it) && typeof it[0] === "string") out.push([it[0], num(it[1], base)]);
    else if (isObj(it)) {
      const w = it["word"] ?? it["keyword"] ?? it["term"] ?? it["text"] ?? it["pattern"];
      if (typeof w === "string") out.push([w, num(it["weight"] ?? it["score"], base)]);
    }
  }
  return out;
}

export function compileRules(data: unknown): Rules {
  const r: Rules = {
    weights: new Map(),
    absenceWords: new Map(),
    before: [],
    after: [],
    absence: [],
    window: 6,
    minScore: 1,
    order: new Map(),
    names: new Map(CATEGORIES.map((c) => [c.id, { zh: c.zh, en: c.en }])),
  };
  if (!isObj(data)) return r;
  r.minScore = num(data["min_score"], 1);
  const neg = data["negation"];
  if (isObj(neg)) {
    r.before = strs(neg["before"]);
    r.after = strs(neg["after"]);
    r.absence = strs(neg["absence"]);
    r.window = num(neg["window"], 6);
  }
  const add = (cat: string, pairs: [string, number][], absent: string[] = []) => {
    if (!r.order.has(cat)) r.order.set(cat, r.order.size);
    for (const [w, weight] of pairs) {
      const n = normalizeText(w);
      if (!n || !(weight > 0)) continue;
      const list = r.weights.get(n) ?? [];
      list.push([cat, weight]);
      r.weights.set(n, list);
    }
    const set = r.absenceWords.get(cat) ?? new Set<string>();
    for (const w of absent) set.add(normalizeText(w));
    r.absenceWords.set(cat, set);
  };
  const cats = data["categories"];
  if (isObj(cats)) {
    for (const [cid, spec] of Object.entries(cats)) {
      if (isObj(spec)) add(cid, keywordPairs(spec["keywords"]), strs(spec["absence_negated"]));
      else add(cid, keywordPairs(spec));
    }
  } else if (Array.isArray(cats)) {
    for (const c of cats) {
      if (!isObj(c) || typeof c["id"] !== "string") continue;
      const id = c["id"];
      if (c["keywords"] !== undefined) add(id, keywordPairs(c["keywords"]), strs(c["absence_negated"]));
      const prev = r.names.get(id) ?? { zh: id, en: id };
      r.names.set(id, {
        zh: typeof c["name_zh"] === "string" ? c["name_zh"] : typeof c["name"] === "string" ? c["name"] : prev.zh,
        en: typeof c["name_en"] === "string" ? c["name_en"] : prev.en,
      });
    }
  }
  const rules = data["rules"];
  if (Array.isArray(rules)) {
    for (const rule of rules) {
      if (!isObj(rule)) continue;
      const cat = rule["category"] ?? rule["category_id"];
      if (typeof cat !== "string") continue;
      const base = num(rule["weight"], 1);
      add(cat, keywordPairs(rule["keywords"] ?? rule["words"] ?? rule["keyword"] ?? rule["pattern"], base));
    }
  }
  return r;
}

/** Names from a categories file (`categories: [{id, name_zh, name_en}]`) over the built-in list. */
export function categoryNames(...files: unknown[]): Map<string, { zh: string; en: string }> {
  const names = new Map(CATEGORIES.map((c) => [c.id, { zh: c.zh, en: c.en }]));
  for (const data of files) {
    if (!isObj(data) || !Array.isArray(data["categories"])) continue;
    for (const c of data["categories"]) {
      if (!isObj(c) || typeof c["id"] !== "string") continue;
      const prev = names.get(c["id"]) ?? { zh: c["id"], en: c["id"] };
      names.set(c["id"], {
        zh: typeof c["name_zh"] === "string" ? c["name_zh"] : typeof c["name"] === "string" ? c["name"] : prev.zh,
        en: typeof c["name_en"] === "string" ? c["name_en"] : prev.en,
      });
    }
  }
  return names;
}

interface Hit {
  start: number;
  end: number;
  word: string;
}

const BREAKS = new Set("，。；！？,.;!?、\n");
const CONTRAST = new Set("是但而却");
const SAYING = new Set("说讲称认");
const AFTER_GAP = 3;
const clean = (gap: string) => ![...gap].some((c) => BREAKS.has(c) || CONTRAST.has(c));

function hits(text: string, words: Iterable<string>): Hit[] {
  const found: Hit[] = [];
  for (const w of words) {
    for (let at = text.indexOf(w); at !== -1; at = text.indexOf(w, at + 1)) found.push({ start: at, end: at + w.length, word: w });
  }
  found.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const kept: Hit[] = [];
  for (const h of found) {
    const last = kept[kept.length - 1];
    if (last && h.start < last.end) {
      if (h.end - h.start > last.end - last.start) kept[kept.length - 1] = h;
      continue;
    }
    kept.push(h);
  }
  return kept;
}

function denied(r: Rules, text: string, h: Hit): boolean {
  const lo = Math.max(0, h.start - r.window);
  const before = text.slice(lo, h.start);
  for (const cue of r.before) {
    for (let at = before.lastIndexOf(cue); at !== -1; at = at > 0 ? before.lastIndexOf(cue, at - 1) : -1) {
      const abs = lo + at;
      const question = cue.startsWith("不") && abs > 0 && text[abs - 1] === cue.slice(1, 2);
      if (!question && clean(before.slice(at + cue.length))) return true;
    }
  }
  const after = text.slice(h.end, h.end + AFTER_GAP + 5);
  for (const cue of r.after) {
    const at = after.indexOf(cue);
    if (at !== -1 && at <= AFTER_GAP && clean(after.slice(0, at)) && ![...after.slice(0, at)].some((c) => SAYING.has(c))) return true;
  }
  return false;
}

function absent(r: Rules, text: string, h: Hit): boolean {
  const before = text.slice(Math.max(0, h.start - 4), h.start);
  for (const cue of r.absence) {
    const at = before.lastIndexOf(cue);
    if (at !== -1 && before.length - (at + cue.length) <= 2 && clean(before.slice(at + cue.length))) return true;
  }
  return false;
}

export interface KeywordScores {
  scores: Map<string, number>;
  matched: Map<string, string[]>;
  denied: string[];
}

/** Per category: summed keyword weight and matched words; and the words a negation denied
 *  (port of `Classifier.keyword_scores`). */
export function keywordScores(text: string, r: Rules): KeywordScores {
  const norm = normalizeText(text);
  const out: KeywordScores = { scores: new Map(), matched: new Map(), denied: [] };
  if (!norm) return out;
  for (const h of hits(norm, r.weights.keys())) {
    if (denied(r, norm, h)) {
      out.denied.push(h.word);
      continue;
    }
    for (const [cat, weight] of r.weights.get(h.word) ?? []) {
      if (r.absenceWords.get(cat)?.has(h.word) && absent(r, norm, h)) continue;
      const words = out.matched.get(cat) ?? [];
      if (words.includes(h.word)) continue;
      words.push(h.word);
      out.matched.set(cat, words);
      out.scores.set(cat, (out.scores.get(cat) ?? 0) + weight);
    }
  }
  return out;
}

/** Best categories for the text (at most `limit`); empty when nothing reaches `min_score`. */
export function suggest(text: string, r: Rules, limit = 3): Suggestion[] {
  const { scores, matched } = keywordScores(text, r);
  const ranked: Suggestion[] = [...scores.entries()]
    .map(([category, score]) => ({ category, score, matched: matched.get(category) ?? [] }))
    .sort((a, b) => b.score - a.score || (r.order.get(a.category) ?? 99) - (r.order.get(b.category) ?? 99));
  if (!ranked.length || ranked[0]!.score < r.minScore) return [];
  return ranked.filter((s) => s.score >= r.minScore && s.category !== FALLBACK_CATEGORY).slice(0, limit);
}
