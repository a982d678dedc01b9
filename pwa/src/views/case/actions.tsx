import { useState } from "preact/hooks";
import { t, lang } from "../../i18n";
import { ctx } from "../../app/state";
import { Big } from "../../ui";
import { OPEN_STATES, sendIntent, transition, type CaseBundle, type TransitionExtra } from "../../lib/cases";
import { CATEGORIES } from "../../lib/categories";
import { run } from "./run";
import { Count } from "../../ui";
import { lengthState } from "../../lib/validate";

interface Ask {
  id: string;
  label: string;
  field: "reason" | "agreement" | "ruling" | "docket_no";
  /** the server refuses the move without this text (routing/transitions.py) */
  required?: boolean;
  run: (text: string) => Promise<void>;
  extra?: "category";
}

const FIELD_LABEL = { reason: "reason", agreement: "agreement", ruling: "ruling", docket_no: "docket_no" } as const;
const FIELD_MAX = { reason: 500, agreement: 5000, ruling: 100, docket_no: 100 } as const;

/** The buttons this role may press in this state, and the form that asks for a reason, agreement, ruling or docket number. */
export function Actions({ id, b, role }: { id: string; b: CaseBundle; role: string }) {
  const [ask, setAsk] = useState<Ask | null>(null);
  const [text, setText] = useState("");
  const [cat, setCat] = useState("");
  const v = b.view;
  const mediatorRole = ["mediator", "org_admin", "admin"].includes(role);
  const filerRole = role === "citizen" || role === "grid_worker";
  const courtRole = role === "court_clerk" || role === "admin";
  const status = b.status;
  const open = !status || OPEN_STATES.has(status);

  const askFor = (a: Ask) => {
    setText("");
    setCat(String(v["category"] ?? ""));
    setAsk(a);
  };
  const move = (to: string, field: keyof TransitionExtra) => (text: string) => transition(ctx.repo, id, to, { [field]: text });

  return (
    <section class="card actions" aria-label="actions">
      {mediatorRole && (status === "assigned" || status === "submitted" || status === "escalated") ? (
        <>
          <Big data-testid="action-accept" onClick={() => run(transition(ctx.repo, id, "accepted"))}>
            {t("accept")}
          </Big>
          <Big kind="danger" data-testid="action-decline" onClick={() => askFor({ id: "decline", label: t("decline"), field: "reason", required: true, run: move("declined", "reason") })}>
            {t("decline")}
          </Big>
        </>
      ) : null}
      {mediatorRole && status === "accepted" ? (
        <>
          <Big data-testid="action-resolve" onClick={() => askFor({ id: "resolve", label: t("resolve"), field: "agreement", required: true, run: move("resolved", "agreement") })}>
            {t("resolve")}
          </Big>
          <Big kind="danger" data-testid="action-fail" onClick={() => askFor({ id: "fail", label: t("fail"), field: "reason", required: true, run: move("failed", "reason") })}>
            {t("fail")}
          </Big>
          {b.paused ? (
            <Big kind="secondary" data-testid="action-resume" onClick={() => askFor({ id: "resume", label: t("resume"), field: "reason", run: (r) => sendIntent(ctx.repo, id, "resume", { reason: r }) })}>
              {t("resume")}
            </Big>
          ) : (
            <Big kind="secondary" data-testid="action-pause" onClick={() => askFor({ id: "pause", label: t("pause"), field: "reason", run: (r) => sendIntent(ctx.repo, id, "pause", { reason: r }) })}>
              {t("pause")}
            </Big>
          )}
        </>
      ) : null}
      {mediatorRole && open ? (
        <Big
          kind="secondary"
          data-testid="action-correct-category"
          onClick={() => askFor({ id: "category", label: t("correct_category"), field: "reason", extra: "category", run: (r) => sendIntent(ctx.repo, id, "correct_category", { category: cat, reason: r }) })}
        >
          {t("correct_category")}
        </Big>
      ) : null}
      {filerRole && open && status !== undefined ? (
        <Big kind="danger" data-testid="action-withdraw" onClick={() => askFor({ id: "withdraw", label: t("withdraw"), field: "reason", run: (r) => transition(ctx.repo, id, "withdrawn", r ? { reason: r } : {}) })}>
          {t("withdraw")}
        </Big>
      ) : null}
      {(filerRole || mediatorRole) && status === "resolved" ? (
        <Big kind="secondary" data-testid="action-request-confirmation" onClick={() => run(transition(ctx.repo, id, "confirmation_requested"))}>
          {t("request_confirmation")}
        </Big>
      ) : null}
      {(filerRole || mediatorRole) && (status === "failed" || status === "confirmation_denied") ? (
        <Big kind="secondary" data-testid="action-request-filing" onClick={() => run(transition(ctx.repo, id, "filing_requested"))}>
          {t("request_filing")}
        </Big>
      ) : null}
      {courtRole && status === "confirmation_requested" ? (
        <>
          <Big data-testid="action-confirm-ruling" onClick={() => askFor({ id: "ruling", label: t("confirm_ruling"), field: "ruling", required: true, run: move("confirmed", "ruling") })}>
            {t("confirm_ruling")}
          </Big>
          <Big kind="danger" data-testid="action-deny-confirmation" onClick={() => askFor({ id: "deny", label: t("deny_confirmation"), field: "reason", required: true, run: move("confirmation_denied", "reason") })}>
            {t("deny_confirmation")}
          </Big>
        </>
      ) : null}
      {courtRole && status === "filing_requested" ? (
        <Big data-testid="action-file-docket" onClick={() => askFor({ id: "docket", label: t("file_docket"), field: "docket_no", required: true, run: move("filed", "docket_no") })}>
          {t("file_docket")}
        </Big>
      ) : null}
      {ask ? (
        <form
          class="ask"
          data-testid={`ask-${ask.id}`}
          onSubmit={(e) => {
            e.preventDefault();
            if (ask.required && !text.trim()) {
              document.querySelector<HTMLTextAreaElement>('[data-testid="ask-text"]')?.focus();
              return;
            }
            if (ask.extra === "category" && !cat) return;
            if (lengthState(text.trim(), FIELD_MAX[ask.field]).over) return; // the counter says why
            const a = ask;
            setAsk(null);
            run(a.run(text.trim()));
          }}
        >
          <h3>{ask.label}</h3>
          {ask.id === "withdraw" ? <p>{t("withdraw_confirm")}</p> : null}
          {ask.extra === "category" ? (
            <select aria-label={t("category")} data-testid="ask-category" value={cat} onChange={(e) => setCat(e.currentTarget.value)}>
              <option value="">{t("choose")}</option>
              {CATEGORIES.map((c) => (
                <option key={c.id} value={c.id}>
                  {c[lang.value]}
                </option>
              ))}
            </select>
          ) : null}
          <label>
            {t(FIELD_LABEL[ask.field])}
            {ask.field === "ruling" || ask.field === "docket_no" ? (
              <input data-testid="ask-text" value={text} required onInput={(e) => setText(e.currentTarget.value)} />
            ) : (
              <textarea rows={3} data-testid="ask-text" value={text} required={ask.required} onInput={(e) => setText(e.currentTarget.value)} />
            )}
            <Count value={text} max={FIELD_MAX[ask.field]} />
          </label>
          <div class="row">
            <Big type="submit" data-testid="ask-confirm">
              {t("confirm")}
            </Big>
            <Big kind="secondary" data-testid="ask-cancel" onClick={() => setAsk(null)}>
              {t("cancel")}
            </Big>
          </div>
        </form>
      ) : null}
    </section>
  );
}
