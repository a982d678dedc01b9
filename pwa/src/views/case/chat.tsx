import { useState } from "preact/hooks";
import { t } from "../../i18n";
import { ctx } from "../../app/state";
import { Big, fmtTime } from "../../ui";
import { sendMessage, type CaseBundle } from "../../lib/cases";
import { run } from "./run";

/** Messages between the parties and the mediator, with the ones still in the outbox marked pending. */
export function Chat({ b, id }: { b: CaseBundle; id: string }) {
  const [msg, setMsg] = useState("");
  const pendingIds = new Set(b.outbox.map((o) => o.op.key));
  return (
    <section class="card">
      <h3>{t("messages")}</h3>
      <ul class="chat" data-testid="case-messages">
        {b.messages.map((m) => (
          <li key={m.key} class={`${pendingIds.has(m.key) ? "pending" : ""} ${b.mine.has(m.key) ? "mine" : "theirs"}`} data-testid="message-item" data-mine={b.mine.has(m.key) ? "1" : "0"}>
            <strong class="who" data-testid="message-who">
              {b.mine.has(m.key) ? t("me") : t("other_side")}
            </strong>
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
          if (!body) return;
          setMsg("");
          run(sendMessage(ctx.repo, id, body));
        }}
      >
        <textarea rows={2} aria-label={t("message_ph")} placeholder={t("message_ph")} data-testid="message-input" value={msg} maxLength={2000} onInput={(e) => setMsg(e.currentTarget.value)} />
        <Big type="submit" data-testid="message-send">
          {t("send")}
        </Big>
      </form>
    </section>
  );
}
