import { useRef, useState } from "preact/hooks";
import { t, lang } from "../../i18n";
import { ctx } from "../../app/state";
import { Big } from "../../ui";
import { sendIntent, transition, type CaseBundle } from "../../lib/cases";
import { CATEGORIES, fieldWords, intentAllowed, movesFor, type Move, type Standing } from "../../lib/workflow";
import { run } from "./run";
import { Count } from "../../ui";
import { lengthState } from "../../lib/validate";

interface Ask {
  id: string;
  label: string;
  field: string;
  /** the server refuses the move without this text (shared.json `transitions[].required`) */
  required?: boolean;
  run: (text: string) => Promise<void>;
  extra?: "category" | "performance";
}

/** Lengths the server accepts (server/sync/fields.py); the longer texts are multi-line. */
const FIELD_MAX: Record<string, number> = { reason: 500, agreement: 5000, ruling: 100, docket_no: 100 };
const ONE_LINE = new Set(["ruling", "docket_no"]);
const maxOf = (field: string) => FIELD_MAX[field] ?? 500;
/** Moves that end or refuse something are shown as such. */
const DANGER = new Set(["decline", "fail", "withdraw", "deny-confirmation"]);

/** Who this person is to the case: its filer, or staff of the organisation (or court) it is with. */
export function standing(b: CaseBundle, user: { id?: string; org?: string | null } | null | undefined): Standing {
  const v = b.view;
  const org = user?.org ?? null;
  return {
    isFiler: b.secret !== undefined || (!!user?.id && v["filer"] === user.id),
    isAssignedOrg: !!org && (v["org"] === org || v["court_org"] === org),
  };
}

/** The buttons this role may press in this state (the server's table, lib/workflow.ts), and the form
 * that asks for what a move must carry. */
export function Actions({ id, b, role, user }: { id: string; b: CaseBundle; role: string; user?: { id?: string; org?: string | null } | null }) {
  const [ask, setAsk] = useState<Ask | null>(null);
  const [text, setText] = useState("");
  const [cat, setCat] = useState("");
  // 人民调解协议书 (人民调解法 第二十九条): manner and time of performance, asked with the agreement
  const performance = useRef("");
  const performBy = useRef("");
  const v = b.view;
  const status = b.status;
  const st = standing(b, user);
  const moves = movesFor(role, status, st);
  // pause, resume and category corrections: staff of the organisation handling it, or an admin
  const mayIntent = (name: string) => intentAllowed(name, role, status) && (role === "admin" || st.isAssignedOrg);

  const askFor = (a: Ask) => {
    setText("");
    performance.current = "";
    performBy.current = "";
    setCat(String(v["category"] ?? ""));
    setAsk(a);
  };
  const press = (m: Move) => {
    const label = m.words[lang.value];
    // A move that must carry a text asks for it; withdrawing asks to be sure (with an optional reason).
    const field = m.required[0] ?? (m.id === "withdraw" ? "reason" : null);
    if (!field) return run(transition(ctx.repo, id, m.to));
    if (field === "agreement") {
      // the 人民调解协议书 also states how and by when the terms are performed (server/agreement/draft.py)
      const run = (r: string) => transition(ctx.repo, id, m.to, { [field]: r, performance: performance.current.trim(), perform_by: performBy.current });
      return askFor({ id: m.id, label, field, required: m.required.includes(field), extra: "performance", run });
    }
    askFor({ id: m.id, label, field, required: m.required.includes(field), run: (r) => transition(ctx.repo, id, m.to, r ? { [field]: r } : {}) });
  };

  return (
    <section class="card actions" aria-label="actions" data-testid="case-actions">
      {moves.map((m) => (
        <Big key={m.id} kind={DANGER.has(m.id) ? "danger" : m.required.length || m.id === "accept" ? undefined : "secondary"} data-testid={`action-${m.id}`} onClick={() => press(m)}>
          {m.words[lang.value]}
        </Big>
      ))}
      {mayIntent(b.paused ? "resume" : "pause") ? (
        b.paused ? (
          <Big kind="secondary" data-testid="action-resume" onClick={() => askFor({ id: "resume", label: t("resume"), field: "reason", run: (r) => sendIntent(ctx.repo, id, "resume", { reason: r }) })}>
            {t("resume")}
          </Big>
        ) : (
          <Big kind="secondary" data-testid="action-pause" onClick={() => askFor({ id: "pause", label: t("pause"), field: "reason", run: (r) => sendIntent(ctx.repo, id, "pause", { reason: r }) })}>
            {t("pause")}
          </Big>
        )
      ) : null}
      {mayIntent("correct_category") ? (
        <Big
          kind="secondary"
          data-testid="action-correct-category"
          onClick={() => askFor({ id: "category", label: t("correct_category"), field: "reason", extra: "category", run: (r) => sendIntent(ctx.repo, id, "correct_category", { category: cat, reason: r }) })}
        >
          {t("correct_category")}
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
            if (lengthState(text.trim(), maxOf(ask.field)).over) return; // the counter says why
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
            {fieldWords(ask.field)[lang.value]}
            {ONE_LINE.has(ask.field) ? (
              <input data-testid="ask-text" value={text} required onInput={(e) => setText(e.currentTarget.value)} />
            ) : (
              <textarea rows={3} data-testid="ask-text" value={text} required={ask.required} onInput={(e) => setText(e.currentTarget.value)} />
            )}
            <Count value={text} max={maxOf(ask.field)} />
          </label>
          {ask.extra === "performance" ? (
            <>
              <label>
                {lang.value === "en" ? "How the terms are performed" : "履行方式"}
                <input data-testid="ask-performance" maxLength={1000} onInput={(e) => (performance.current = e.currentTarget.value)} />
              </label>
              <label>
                {lang.value === "en" ? "Perform by" : "履行期限"}
                <input type="date" data-testid="ask-perform-by" onInput={(e) => (performBy.current = e.currentTarget.value)} />
              </label>
            </>
          ) : null}
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
