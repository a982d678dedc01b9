import { useEffect, useState } from "preact/hooks";
import { ctx } from "../../app/state";
import { lang } from "../../i18n";
import { useSignal } from "../../lib/signal";
import { request } from "../../lib/api";

interface Counts {
  from: string;
  to: string;
  total: number;
  offline: number;
  by_category: { key: string; name: string; count: number }[];
}

/** 智能咨询 in the cockpit: anonymous counts (day, township, category only; GET /api/v1/cockpit/consultations). */
export function ConsultSection({ from, to }: { from: string; to: string }) {
  const l = useSignal(lang);
  const [c, setC] = useState<Counts | null>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      const token = await ctx.repo.getMeta<string>("token");
      const q = new URLSearchParams({ from, to }).toString();
      try {
        const d = await request<Counts>(`/api/v1/cockpit/consultations?${q}`, { token });
        if (live) setC(d);
      } catch {
        /* the other sections report errors */
      }
    })();
    return () => {
      live = false;
    };
  }, [from, to]);
  if (!c) return null;
  return (
    <section class="card ck-section" aria-labelledby="ck-consult" data-testid="cockpit-consultations" data-total={c.total}>
      <h2 id="ck-consult">{l === "en" ? "Consultations (anonymous)" : "智能咨询（匿名统计）"}</h2>
      <p>
        {l === "en" ? `${c.total} consultations, ${c.offline} answered offline` : `咨询 ${c.total} 次，其中离线解答 ${c.offline} 次`}
      </p>
      <ul class="plain">
        {c.by_category.slice(0, 8).map((x) => (
          <li key={x.key}>
            {x.name}：{x.count}
          </li>
        ))}
      </ul>
    </section>
  );
}
