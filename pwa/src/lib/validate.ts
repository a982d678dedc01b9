/**
 * Checks of what a person types, each giving the i18n key of the message to show (never a silent
 * change of the text). The phone rule is the server's (`server/sync/fields.py` `is_phone`); the
 * server refuses the same numbers.
 */
import type { Key } from "../i18n";

/** A mainland mobile (optionally +86) or a landline with its area code; dashes between groups are
 * fine. The same rule as the server's `is_phone` (server/sync/fields.py). */
export function isPhone(value: string): boolean {
  if (!/^\+?[0-9][0-9-]{0,19}$/.test(value) || value.length > 20) return false;
  const digits = value.replace(/^\+/, "").replace(/-/g, "");
  if (value.startsWith("+") && !digits.startsWith("86")) return false;
  return /^(?:86)?1[3-9][0-9]{9}$/.test(digits) || /^0[1-9][0-9]{8,10}$/.test(digits);
}

/** Empty is fine (not given); spaces people type between digit groups are fine too. */
export function phoneProblem(raw: string): Key | null {
  const s = normalizePhone(raw);
  return s === "" || isPhone(s) ? null : "phone_invalid";
}

/** What is stored: the number without the spaces people put between digit groups (nothing else changes). */
export function normalizePhone(raw: string): string {
  return raw.trim().replace(/[ \u3000]+/g, "");
}

/** The largest amount in yuan the form accepts (a sanity bound, ¥1,000 亿). */
export const AMOUNT_MAX = 1e11;

/** Empty is fine; otherwise a number ≥ 0 (yuan) up to AMOUNT_MAX. */
export function amountProblem(raw: string): Key | null {
  const s = raw.trim();
  if (!s) return null;
  const n = Number(s);
  if (!Number.isFinite(n)) return "amount_invalid";
  if (n < 0) return "amount_negative";
  if (n > AMOUNT_MAX) return "amount_invalid";
  return null;
}

/** Characters as a person counts them (code points, as the server does). */
export function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Show a counter from this share of the limit on. */
export const NEAR = 0.8;

export function lengthState(s: string, max: number): { n: number; near: boolean; over: boolean } {
  const n = charCount(s);
  return { n, near: n >= max * NEAR, over: n > max };
}
