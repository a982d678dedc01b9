/** After an outcome, the filer (or the grid worker who filed) rates the service 1–5 once (`rate` intent). */
import { useState } from "preact/hooks";
import { lang } from "../../i18n";
import { ctx } from "../../app/state";
import { useSignal } from "../../lib/signal";
import { Big } from "../../ui";
import { sendIntent, type CaseBundle } from "../../lib/cases";
import { run } from "./run";
import { intentAllowed } from "../../lib/workflow";

const W = {
  zh: { title: "评价本次调解服务", done: "已评价", comment: "意见或建议（可不填）", send: "提交评价", star: "{n} 星" },
  en: { title: "Rate the mediation service", done: "Rated", comment: "Comments (optional)", send: "Send rating", star: "{n} stars" },
};

export function RatingCard({ id, b, role }: { id: string; b: CaseBundle; role: string }) {
  const l = useSignal(lang);
  const w = W[l];
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState("");
  if (!intentAllowed("rate", role, b.status)) return null;
  const pending = b.outbox.find((o) => o.op.kind === "intent" && o.op.field === "rate");
  const given = (b.view["rating"] as { stars?: number } | undefined)?.stars ?? (pending ? Number((pending.op.value as { stars?: number }).stars) : 0);
  if (given) {
    return (
      <section class="card" data-testid="rating-done" data-stars={given}>
        <h3>{w.done}</h3>
        <p aria-label={w.star.replace("{n}", String(given))}>{"★".repeat(given) + "☆".repeat(5 - given)}</p>
      </section>
    );
  }
  return (
    <section class="card" data-testid="rating-card" aria-label={w.title}>
      <h3>{w.title}</h3>
      <div class="stars" role="radiogroup" aria-label={w.title}>
        {[1, 2, 3, 4, 5].map((n) => (
          <button type="button" key={n} role="radio" aria-checked={stars === n} aria-label={w.star.replace("{n}", String(n))} class={n <= stars ? "on" : ""} data-testid={`rate-${n}`} onClick={() => setStars(n)}>
            ★
          </button>
        ))}
      </div>
      <label>
        {w.comment}
        <textarea rows={2} maxLength={500} data-testid="rate-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      </label>
      <Big data-testid="rate-send" disabled={!stars} onClick={() => run(sendIntent(ctx.repo, id, "rate", comment.trim() ? { stars, comment: comment.trim() } : { stars }))}>
        {w.send}
      </Big>
    </section>
  );
}
