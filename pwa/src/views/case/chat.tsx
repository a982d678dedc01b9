import { useEffect, useState } from "preact/hooks";
import { t, type Key } from "../../i18n";
import { ctx } from "../../app/state";
import { Big, Count, fmtTime } from "../../ui";
import { lengthState } from "../../lib/validate";
import { sendMessage, type CaseBundle } from "../../lib/cases";
import type { RecordRow } from "../../store/db";
import { run } from "./run";

/** Longest message the server stores (server/sync/fields.py). */
const MESSAGE_MAX = 2000;

/** While a case page is open, visible and online, ask for new messages this often. */
export const CHAT_POLL_MS = 5000;

const AUTHOR: Record<string, Key> = {
  mediator: "author_mediator",
  applicant: "author_applicant",
  respondent: "author_respondent",
  court: "author_court",
  grid_worker: "author_grid_worker",
};

/** Who wrote a message, from the `author` the server stamps on it (server/sync/service.py `message_author`). */
export function authorLabel(m: RecordRow): { role: string; text: string } {
  const a = (m.view["author"] ?? {}) as { role?: unknown; name?: unknown };
  const role = typeof a.role === "string" ? a.role : "";
  const name = typeof a.name === "string" ? a.name : "";
  const word = AUTHOR[role] ? t(AUTHOR[role]!) : "";
  if (!word) return { role: "", text: "…" }; // not synced yet
  return { role, text: name ? `${name}（${word}）` : word };
}

/** Messages between the parties, the mediator and the court, each labelled by its author's role;
 * the ones still in the outbox are marked pending. New ones are fetched every few seconds while
 * the page is open. */
export function Chat({ b, id, staff }: { b: CaseBundle; id: string; staff: boolean }) {
  const [msg, setMsg] = useState("");
  const pendingIds = new Set(b.outbox.map((o) => o.op.key));
  useEffect(() => {
    const poll = setInterval(() => {
      const s = ctx.sync.status.state;
      if (document.visibilityState === "visible" && navigator.onLine !== false && s === "idle") void ctx.sync.now();
    }, CHAT_POLL_MS);
    return () => clearInterval(poll);
  }, [id]);
  return (
    <section class="card">
      <h3 data-testid="messages-heading">{staff ? t("messages_staff") : t("messages")}</h3>
      <ul class="chat" data-testid="case-messages">
        {b.messages.map((m) => (
          <li key={m.key} class={`${pendingIds.has(m.key) ? "pending" : ""} ${b.mine.has(m.key) ? "mine" : "theirs"}`} data-testid="message-item" data-mine={b.mine.has(m.key) ? "1" : "0"}>
            {(() => {
              const who = authorLabel(m);
              return (
                <strong class="who" data-testid="message-who" data-role={who.role}>
                  {b.mine.has(m.key) ? t("me") : who.text}
                </strong>
              );
            })()}
            <p>{String(m.view["body"] ?? "")}</p>
            <small>
              {fmtTime(m.first)} {pendingIds.has(m.key) ? `· ${t("sync_pending")}` : ""}
            </small>
          </li>
        ))}
      </ul>
      <form
        class="chat-input"
        onSubmit={(e) => {
          e.preventDefault();
          const body = msg.trim();
          if (!body || lengthState(body, MESSAGE_MAX).over) return; // the counter says why
          setMsg("");
          run(sendMessage(ctx.repo, id, body), { quiet: true });
        }}
      >
        <textarea rows={2} aria-label={t("message_ph")} placeholder={t("message_ph")} data-testid="message-input" value={msg} onInput={(e) => setMsg(e.currentTarget.value)} />
        <Count value={msg} max={MESSAGE_MAX} />
        <Big type="submit" data-testid="message-send">
          {t("send")}
        </Big>
      </form>
    </section>
  );
}
