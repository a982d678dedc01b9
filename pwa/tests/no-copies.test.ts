/**
 * The grep-able rule of issue #10: no state name, state label, category name or transition appears
 * in pwa/src except through the shared data (src/generated/, written by the server). A string
 * literal that equals one of them is a copy that will drift; take it from lib/workflow.ts instead.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import shared from "../src/generated/shared.json";

const SRC = resolve(__dirname, "../src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return p.endsWith("generated") ? [] : files(p);
    return /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

/** Every word the server owns, with what it is. */
function owned(): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of shared.states) for (const w of [s.id, s.zh, s.en]) m.set(w, `state ${s.id}`);
  for (const c of shared.categories) for (const w of [c.id, c.zh, c.en]) m.set(w, `category ${c.id}`);
  for (const [to, a] of Object.entries(shared.actions)) for (const w of [a.zh, a.en]) m.set(w, `move to ${to}`);
  for (const [e, w] of Object.entries(shared.events)) for (const x of [w.zh, w.en]) m.set(x, `event ${e}`);
  return m;
}

/** String literals in a source file: "…", '…' and `…` without substitutions. */
function literals(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`$\\]*)`/g)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

describe("no copy of the server's workflow, labels or categories in pwa/src", () => {
  it("finds the literals it looks for (the rule can fail)", () => {
    expect(literals(`const a = "accepted"; b('已上移'); c(\`labor\`)`).filter((l) => owned().has(l))).toEqual(["accepted", "已上移", "labor"]);
  });
  it("holds for every source file", () => {
    const words = owned();
    const found: string[] = [];
    for (const f of files(SRC))
      for (const l of literals(readFileSync(f, "utf8"))) if (words.has(l)) found.push(`${relative(SRC, f)}: "${l}" (${words.get(l)})`);
    expect(found).toEqual([]);
  });
});
