/** A tiny dictionary: Simplified Chinese first, English second (words in i18n/zh-CN.ts and i18n/en.ts). */
import { signal } from "./lib/signal";
import { zh } from "./i18n/zh-CN";
import { en } from "./i18n/en";
import { ROLE } from "./i18n/labels";
import type { Key } from "./i18n/keys";
import { eventWords, stateWords } from "./lib/workflow";

export type { Key } from "./i18n/keys";
export { ROLE } from "./i18n/labels";

export type Lang = "zh" | "en";

const initial: Lang = (() => {
  try {
    const v = globalThis.localStorage?.getItem("jiefen.lang");
    return v === "en" ? "en" : "zh";
  } catch {
    return "zh";
  }
})();

export const lang = signal<Lang>(initial);

/** Switch the language and remember it on this device (localStorage `jiefen.lang`). */
export function setLang(l: Lang): void {
  lang.value = l;
  try {
    localStorage.setItem("jiefen.lang", l);
  } catch {
    /* ignore */
  }
  if (typeof document !== "undefined") document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
}

/** The word for `key` in the current language, with `{name}` placeholders filled from `vars`. */
export function t(key: Key, vars?: Record<string, string | number>): string {
  let s: string = (lang.value === "en" ? en : zh)[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

/** A timeline event in the server's words (the same the public trace page shows). */
export function eventLabel(event: string | undefined | null, to?: string | null): string {
  return eventWords(event, to)[lang.value];
}

/** A case status in the server's words; no status means a draft not yet sent. */
export function statusLabel(status: string | undefined | null): string {
  if (!status) return t("status_draft");
  return stateWords(status)?.[lang.value] ?? t("status_unknown");
}

/** A role's name; unknown roles show their identifier. */
export function roleLabel(role: string | undefined | null): string {
  if (!role) return "";
  const r = ROLE[role];
  return r ? r[lang.value] : role;
}
