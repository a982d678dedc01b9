import { useEffect, useState } from "preact/hooks";
import { t } from "../../i18n";
import { ctx } from "../../app/state";
import type { CaseBundle } from "../../lib/cases";

/** Evidence photos: from this device's blob store, else fetched with the session token (nothing when offline). */
export function Evidence({ b }: { b: CaseBundle }) {
  const list = Array.isArray(b.view["evidence"]) ? (b.view["evidence"] as string[]) : [];
  const [urls, setUrls] = useState<Record<string, string>>({});
  useEffect(() => {
    let alive = true;
    const made: string[] = [];
    (async () => {
      const token = await ctx.repo.getMeta<string>("token");
      for (const sha of list) {
        const local = await ctx.repo.db.get("blobs", sha);
        let blob: Blob | null = local?.data ?? null;
        if (!blob && token) {
          try {
            const r = await fetch(`/api/v1/blobs/${sha}`, { headers: { Authorization: `Bearer ${token}` } });
            if (r.ok) blob = await r.blob();
          } catch {
            /* offline */
          }
        }
        if (blob && alive) {
          const u = URL.createObjectURL(blob);
          made.push(u);
          setUrls((x) => ({ ...x, [sha]: u }));
        }
      }
    })();
    return () => {
      alive = false;
      made.forEach((u) => URL.revokeObjectURL(u));
    };
  }, [list.join(",")]);
  if (!list.length) return null;
  return (
    <section class="card">
      <h3>{t("evidence")}</h3>
      <div class="thumbs" data-testid="case-evidence" data-count={list.length}>
        {list.map((sha) => (urls[sha] ? <img key={sha} src={urls[sha]} alt={t("evidence")} /> : <span key={sha} class="thumb placeholder" />))}
      </div>
    </section>
  );
}
