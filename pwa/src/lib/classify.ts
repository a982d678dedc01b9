/**
 * Client-side category suggestion from the server's keyword rules (server/routing/rules.json,
 * bundled at build time). Tolerant of the file's exact shape: it collects
 * (category, keyword, weight) triples from `rules[]`, `categories[].keywords` and a
 * `keywords: {category: [...]}` map; keywords may be strings or `{word|keyword|term|pattern, weight}`.
 */
import { CATEGORIES } from "./categories";

export interface Term {
  category: string;
  word: string;
  weight: number;
  regex?: RegExp;
  negative?: boolean;
}

export interface Suggestion {
  category: string;
  score: number;
  matched: string[];
}

type Json = Record<string, unknown>;

const isObj = (x: unknown): x is Json => !!x && typeof x === "object" && !Array.isArray(x);
const num = (x: unknown, d: number): number => (typeof x === "number" && Number.isFinite(x) ? x : d);

function catOf(o: Json): string | null {
  for (const k of ["category", "category_id", "categoryId", "target", "id"]) {
    if (typeof o[k] === "string") return o[k] as string;
  }
  return null;
}

function termsFrom(list: unknown, category: string, baseWeight: number, negative = false): Term[] {
  const out: Term[] = [];
  if (typeof list === "string") list = [list];
  if (isObj(list)) {
    // {"word": weight} map
    return Object.entries(list).map(([word, w]) => ({ category, word, weight: num(w, baseWeight), negative }));
  }
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    if (typeof item === "string") {
      out.push({ category, word: item, weight: baseWeight, negative });
    } else if (Array.isArray(item) && typeof item[0] === "string") {
      out.push({ category, word: item[0], weight: num(item[1], baseWeight), negative });
    } else if (isObj(item)) {
      const word = item["word"] ?? item["keyword"] ?? item["term"] ?? item["text"] ?? item["pattern"] ?? item["regex"];
      if (typeof word !== "string") continue;
      const t: Term = { category: catOf(item) ?? category, word, weight: num(item["weight"] ?? item["score"], baseWeight), negative };
      if (typeof item["regex"] === "string" || item["is_regex"] === true || item["type"] === "regex") {
        try {
          t.regex = new RegExp(word, "u");
        } catch {
          continue;
        }
      }
      out.push(t);
    }
  }
  return out;
}

const KEYWORD_KEYS = ["keywords", "words", "terms", "patterns", "any", "match"];
const NEGATIVE_KEYS = ["exclude", "negative", "not", "none_of", "negative_keywords"];

export function compileRules(data: unknown): Term[] {
  const terms: Term[] = [];
  if (!isObj(data)) return terms;
  const rules = data["rules"];
  const ruleList = Array.isArray(rules) ? rules : isObj(rules) ? Object.entries(rules).map(([k, v]) => (isObj(v) ? { category: k, ...v } : { category: k, keywords: v })) : [];
  for (const r of ruleList) {
    if (!isObj(r)) continue;
    const cat = catOf(r);
    if (!cat) continue;
    const w = num(r["weight"] ?? r["score"], 1);
    let found = false;
    for (const k of KEYWORD_KEYS) {
      if (r[k] !== undefined) {
        terms.push(...termsFrom(r[k], cat, w));
        found = true;
      }
    }
    if (!found) {
      const single = r["keyword"] ?? r["word"] ?? r["pattern"] ?? r["regex"];
      if (typeof single === "string") terms.push(...termsFrom([{ ...r, category: cat }], cat, w));
    }
    for (const k of NEGATIVE_KEYS) if (r[k] !== undefined) terms.push(...termsFrom(r[k], cat, w, true));
  }
  const cats = data["categories"];
  if (Array.isArray(cats)) {
    for (const c of cats) {
      if (!isObj(c) || typeof c["id"] !== "string") continue;
      for (const k of KEYWORD_KEYS) if (c[k] !== undefined) terms.push(...termsFrom(c[k], c["id"], 1));
      for (const k of NEGATIVE_KEYS) if (c[k] !== undefined) terms.push(...termsFrom(c[k], c["id"], 1, true));
    }
  }
  const kw = data["keywords"];
  if (isObj(kw)) for (const [cat, list] of Object.entries(kw)) terms.push(...termsFrom(list, cat, 1));
  return terms.filter((t) => t.word.length > 0);
}

/** Category names from the rules file (name_zh / name_en), over the built-in list. */
export function categoryNames(data: unknown): Map<string, { zh: string; en: string }> {
  const names = new Map(CATEGORIES.map((c) => [c.id, { zh: c.zh, en: c.en }]));
  if (isObj(data) && Array.isArray(data["categories"])) {
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

/** Score text against the terms; best first, only positive scores. */
export function suggest(text: string, terms: Term[], limit = 3): Suggestion[] {
  const t = text.normalize("NFKC").toLowerCase();
  if (!t.trim()) return [];
  const scores = new Map<string, Suggestion>();
  const banned = new Set<string>();
  for (const term of terms) {
    const hit = term.regex ? term.regex.test(t) : t.includes(term.word.toLowerCase());
    if (!hit) continue;
    if (term.negative) {
      banned.add(term.category);
      continue;
    }
    const s = scores.get(term.category) ?? { category: term.category, score: 0, matched: [] };
    s.score += term.weight;
    if (!s.matched.includes(term.word)) s.matched.push(term.word);
    scores.set(term.category, s);
  }
  return [...scores.values()]
    .filter((s) => s.score > 0 && !banned.has(s.category) && s.category !== "other")
    .sort((a, b) => b.score - a.score || a.category.localeCompare(b.category))
    .slice(0, limit);
}
