/**
 * Character n-gram features of a description, exactly as server/routing/textfeatures.py makes
 * them (shared vectors: tests/vectors/classify_model.json): NFKC, lower case, whitespace removed,
 * first 1000 code points, ASCII digits → "0"; runs of letters/numbers; distinct 1–3-grams; each
 * weighs 1/sqrt(N).
 */
const MAX_CHARS = 1000;
const WORD = /[\p{L}\p{N}]/u;

export function normalizeChars(text: string): string[] {
  const chars = Array.from(text.normalize("NFKC").toLowerCase().replace(/\s+/gu, "")).slice(0, MAX_CHARS);
  return chars.map((c) => (c >= "0" && c <= "9" ? "0" : c));
}

/** The distinct character n-grams (n = 1..3) of `text`. */
export function ngrams(text: string): Set<string> {
  const out = new Set<string>();
  let run: string[] = [];
  const flush = () => {
    for (let i = 0; i < run.length; i++) {
      out.add(run[i]!);
      if (i + 1 < run.length) out.add(run[i]! + run[i + 1]!);
      if (i + 2 < run.length) out.add(run[i]! + run[i + 1]! + run[i + 2]!);
    }
    run = [];
  };
  for (const c of normalizeChars(text)) {
    if (WORD.test(c)) run.push(c);
    else flush();
  }
  flush();
  return out;
}

/** `{ngram: 1/sqrt(N)}` over the N distinct n-grams. */
export function vector(text: string): Map<string, number> {
  const grams = ngrams(text);
  const v = grams.size ? 1 / Math.sqrt(grams.size) : 0;
  return new Map([...grams].map((g) => [g, v]));
}
