/**
 * The learned category model on the device: loaded lazily (its own chunk, precached for offline
 * use) and run on what the filer types. Until it has loaded the form falls back to the keyword
 * rules alone.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Rules } from "./classify";
import { categorize, compileModel, type Decision, type Model } from "./linearModel";

let loading: Promise<Model> | null = null;

export function loadCategoryModel(): Promise<Model> {
  loading ??= import("virtual:jiefen-model").then((m) => compileModel(m.default));
  return loading;
}

/** What the server classifies: summary and description joined as in server/routing/service.py. */
export function caseText(summary: string, description: string): string {
  return `${summary}。${description}`;
}

/** The decision for `text` once the model has loaded (null before, and for text under 4 characters). */
export function useCategoryModel(text: string, rules: Rules): Decision | null {
  const [model, setModel] = useState<Model | null>(null);
  useEffect(() => {
    let live = true;
    loadCategoryModel().then((m) => live && setModel(m), () => {});
    return () => {
      live = false;
    };
  }, []);
  return useMemo(() => {
    if (!model || text.replace(/[\s。]/gu, "").length < 4) return null;
    return categorize(text, rules, model);
  }, [model, text, rules]);
}
