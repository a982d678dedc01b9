/**
 * The learned category model in the browser: a port of server/routing/linear_model.py and
 * categorizer.py over the same JSON artifact (server/routing/model.json, a lazily loaded chunk),
 * so the offline form suggests what the server will decide (shared vectors in
 * tests/vectors/classify_model.json).
 *
 * score_c = bias_c + Σ x_f·w_fc + keyword_weight·min(keyword score_c, keyword_cap);
 * probabilities = softmax(temperature · score). Unsure below `ask_below`: the filer is asked.
 */
import { keywordScores, type Rules } from "./classify";
import { vector } from "./textfeatures";
import { FALLBACK_CATEGORY } from "./workflow";

export interface ModelData {
  version: string;
  classes: string[];
  bias: number[];
  weights: Record<string, number[]>;
  keyword_weight?: number;
  keyword_cap?: number;
  temperature?: number;
  ask_below?: number;
}

export interface Model {
  version: string;
  classes: string[];
  bias: number[];
  rows: Map<string, number[]>;
  keywordWeight: number;
  keywordCap: number;
  temperature: number;
  askBelow: number;
}

export interface Decision {
  category: string;
  confidence: number;
  /** The likeliest categories with probabilities: two or three when unsure, else just the best. */
  candidates: [string, number][];
  unsure: boolean;
  matched: string[];
  evidence: string[];
}

const OTHER = FALLBACK_CATEGORY; // the server's (shared.json)
const MAX_CANDIDATES = 3;
const CANDIDATE_FLOOR = 0.08;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function compileModel(data: ModelData): Model {
  return {
    version: data.version,
    classes: data.classes,
    bias: data.bias,
    rows: new Map(Object.entries(data.weights)),
    keywordWeight: data.keyword_weight ?? 0,
    keywordCap: data.keyword_cap ?? 10,
    temperature: data.temperature ?? 1,
    askBelow: data.ask_below ?? 0.5,
  };
}

function evidence(m: Model, x: Map<string, number>, c: number, limit = 5): string[] {
  const contrib: [number, string][] = [];
  for (const [f, v] of x) {
    if ([...f].length < 2) continue;
    const row = m.rows.get(f);
    if (!row) continue;
    for (let i = 0; i < row.length; i += 2) if (row[i] === c && v * row[i + 1]! > 0) contrib.push([v * row[i + 1]!, f]);
  }
  contrib.sort((a, b) => b[0] - a[0] || [...b[1]].length - [...a[1]].length || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const shown: string[] = [];
  for (const [, f] of contrib) {
    if (shown.some((s) => s.includes(f) || f.includes(s))) continue;
    shown.push(f);
    if (shown.length === limit) break;
  }
  return shown;
}

/** Rules + model → the category, like `Categorizer.classify` on the server. */
export function categorize(text: string, rules: Rules, m: Model): Decision {
  const kw = keywordScores(text, rules);
  const x = vector(text);
  if (!x.size) return { category: OTHER, confidence: 0, candidates: [], unsure: false, matched: [], evidence: [] };
  const s = [...m.bias];
  for (const [f, v] of x) {
    const row = m.rows.get(f);
    if (!row) continue;
    for (let i = 0; i < row.length; i += 2) s[row[i]!]! += v * row[i + 1]!;
  }
  if (m.keywordWeight) {
    m.classes.forEach((cid, i) => {
      const k = kw.scores.get(cid) ?? 0;
      if (k > 0) s[i]! += m.keywordWeight * Math.min(k, m.keywordCap);
    });
  }
  const top = Math.max(...s);
  const exps = s.map((v) => Math.exp(m.temperature * (v - top)));
  const total = exps.reduce((a, b) => a + b, 0);
  const order = s.map((_, i) => i).sort((a, b) => s[b]! - s[a]! || a - b);
  const ranked = order.map((i) => ({ category: m.classes[i]!, p: exps[i]! / total }));
  const best = ranked[0]!;
  const unsure = best.p < m.askBelow;
  const rest = ranked.slice(1).filter((r) => r.category !== OTHER);
  const picked = [best, ...rest.slice(0, 1), ...rest.slice(1, MAX_CANDIDATES - 1).filter((r) => r.p >= CANDIDATE_FLOOR)];
  const candidates = picked.map((r) => [r.category, round3(r.p)] as [string, number]);
  return {
    category: best.category,
    confidence: round3(best.p),
    candidates: unsure ? candidates : candidates.slice(0, 1),
    unsure,
    matched: kw.matched.get(best.category) ?? [],
    evidence: evidence(m, x, order[0]!),
  };
}
