import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";
import { ctx } from "../../app/state";
import type { CaseBundle } from "../../lib/cases";

/** How often a photo the server does not have yet (still uploading from the filer's phone) is asked for again. */
const RETRY_MS = 10_000;

async function fetchPhoto(sha: string, token: string | undefined): Promise<Blob | null> {
  const local = await ctx.repo.db.get("blobs", sha);
  if (local?.data) return local.data;
  if (!token) return null;
  try {
    const r = await fetch(`/api/v1/blobs/${sha}`, { headers: { Authorization: `Bearer ${token}` } });
    return r.ok ? await r.blob() : null;
  } catch {
    return null; // offline
  }
}

/**
 * Evidence photos: from this device's blob store, else fetched with the session token. A photo the
 * filer's phone is still uploading shows "上传中" and is asked for again while the page is visible;
 * tapping a photo opens it large.
 */
export function Evidence({ b }: { b: CaseBundle }) {
  const list = Array.isArray(b.view["evidence"]) ? (b.view["evidence"] as string[]) : [];
  const [urls, setUrls] = useState<Record<string, string>>({});
  const [open, setOpen] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const [refused, setRefused] = useState<string[]>([]);
  const missing = list.filter((sha) => !urls[sha]);
  useEffect(() => {
    let alive = true;
    (async () => {
      const token = await ctx.repo.getMeta<string>("token");
      const local = await Promise.all(list.map((sha) => ctx.repo.db.get("blobs", sha)));
      if (alive) setRefused(local.filter((r) => r?.refused).map((r) => r!.error || t("error_unknown")));
      for (const sha of missing) {
        const blob = await fetchPhoto(sha, token);
        if (!alive) return;
        if (blob) {
          const u = URL.createObjectURL(blob);
          setUrls((x) => ({ ...x, [sha]: u }));
        }
      }
    })();
    return () => {
      alive = false;
    };
  }, [missing.join(","), round]);
  useEffect(() => {
    if (!missing.length) return;
    const id = setInterval(() => {
      if (document.visibilityState === "visible" && navigator.onLine !== false) setRound((n) => n + 1);
    }, RETRY_MS);
    return () => clearInterval(id);
  }, [missing.length > 0]);
  useEffect(() => () => Object.values(urls).forEach((u) => URL.revokeObjectURL(u)), []);
  if (!list.length) return null;
  return (
    <section class="card">
      <h3>{t("evidence")}</h3>
      <div class="thumbs" data-testid="case-evidence" data-count={list.length}>
        {list.map((sha, i) =>
          urls[sha] ? (
            <button type="button" key={sha} class="thumb" data-testid="evidence-thumb" aria-label={`${t("evidence_open")} ${i + 1}`} onClick={() => setOpen(sha)}>
              <img src={urls[sha]} alt="" />
            </button>
          ) : (
            <span key={sha} class="thumb placeholder" data-testid="evidence-pending" title={t("evidence_uploading")}>
              {t("evidence_uploading")}
            </span>
          ),
        )}
      </div>
      {refused.map((why, i) => (
        <p class="error" role="alert" key={i} data-testid="evidence-refused">
          {t("evidence_refused")}：{why}
        </p>
      ))}
      {open && urls[open] ? (
        <div class="viewer" role="dialog" aria-label={t("evidence")} data-testid="evidence-viewer" onClick={() => setOpen(null)}>
          <img src={urls[open]} alt={t("evidence")} />
          <button type="button" class="btn secondary" data-testid="evidence-close">
            {t("close")}
          </button>
        </div>
      ) : null}
    </section>
  );
}
