/** A wait the server asked for (Retry-After, seconds) in plain words, rounded up. */
import { t } from "../i18n";

export function waitWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return t("wait_seconds", { n: s });
  if (s < 3600) return t("wait_minutes", { n: Math.ceil(s / 60) });
  return t("wait_hours", { n: Math.ceil(s / 3600) });
}
