/**
 * The 人民调解协议书 of a resolved case: who has signed, a signature pad (the mediator's device signs
 * for any party; the filer's own phone for the applicant), and the PDF the server renders
 * (GET /api/v1/cases/{code}/agreement.pdf) — also what the court clerk reads in a 司法确认 request.
 */
import { useState } from "preact/hooks";
import { lang } from "../../i18n";
import { ctx, toast } from "../../app/state";
import { useSignal } from "../../lib/signal";
import { Big } from "../../ui";
import { sendIntent, type CaseBundle } from "../../lib/cases";
import { queueBlob } from "../../sync/blobs";
import { SignaturePad } from "./signature-pad";
import { run } from "./run";
import { AGREEMENT_STATES, COURT_STATES, intentAllowed } from "../../lib/workflow";

const ROLE = { applicant: ["申请人", "Applicant"], respondent: ["被申请人", "Respondent"], third_party: ["第三人", "Third party"] } as const;
const W = {
  zh: { title: "人民调解协议书", open: "打开协议书（PDF）", sign: "签名", signed: "已签名", waiting: "已签名，待同步", unsigned: "未签名", sign_for: "请{name}在下方签名", clear: "重写", save: "确认签名", cancel: "取消", empty: "请先签名", offline: "需要联网才能打开协议书", court: "申请司法确认的调解协议书" },
  en: { title: "Mediation agreement", open: "Open the agreement (PDF)", sign: "Sign", signed: "Signed", waiting: "Signed, waiting to sync", unsigned: "Not signed", sign_for: "{name}, please sign below", clear: "Clear", save: "Confirm signature", cancel: "Cancel", empty: "Please sign first", offline: "Opening the agreement needs a connection", court: "The agreement the court is asked to confirm" },
};

async function openPdf(code: string, offlineText: string): Promise<void> {
  const token = await ctx.repo.getMeta<string>("token");
  // Open the tab now (a popup after an await is blocked), then point it at the PDF.
  const tab = window.open("", "_blank");
  try {
    const r = await fetch(`/api/v1/cases/${encodeURIComponent(code)}/agreement.pdf`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!r.ok) throw new Error(((await r.json().catch(() => ({}))) as { detail?: string }).detail ?? `HTTP ${r.status}`);
    const url = URL.createObjectURL(await r.blob());
    if (tab) tab.location.href = url;
    else window.location.href = url;
  } catch (e) {
    tab?.close();
    toast(e instanceof TypeError ? offlineText : String((e as Error).message ?? e), "error");
  }
}

export function AgreementCard({ id, b, role, userId }: { id: string; b: CaseBundle; role: string; userId: string | null }) {
  const l = useSignal(lang);
  const w = W[l];
  const [signing, setSigning] = useState<{ key: string; name: string } | null>(null);
  const status = b.status ?? "";
  if (!AGREEMENT_STATES.has(status)) return null;
  const code = String(b.view["code"] ?? "");
  const signed = (b.view["signatures"] ?? {}) as Record<string, unknown>;
  const pending = new Set(b.outbox.filter((o) => o.op.kind === "intent" && o.op.field === "sign").map((o) => String((o.op.value as { party?: string }).party)));
  const handling = ["mediator", "org_admin", "admin"].includes(role);
  // the server decides (only the filer signs for the applicant side); this only hides a useless button
  const filer = role === "citizen" || (role === "grid_worker" && (!userId || b.view["filer"] === userId));
  const parties = b.parties.map((p) => ({ key: p.key, role: String(p.view["role"] ?? "applicant"), name: String(p.view["name"] ?? "") }));

  return (
    <section class="card" data-testid="agreement-card" aria-label={w.title}>
      <h3>{role === "court_clerk" && COURT_STATES.has(status) ? w.court : w.title}</h3>
      <ul class="plain">
        {parties.map((p) => {
          const state = signed[p.key] ? w.signed : pending.has(p.key) ? w.waiting : w.unsigned;
          const maySign = intentAllowed("sign", role, status) && !signed[p.key] && !pending.has(p.key) && (handling || (filer && p.role === "applicant"));
          const r = ROLE[p.role as keyof typeof ROLE] ?? ROLE.applicant;
          return (
            <li key={p.key} class="row" data-testid="agreement-party" data-signed={signed[p.key] || pending.has(p.key) ? "1" : "0"}>
              <span>
                {r[l === "en" ? 1 : 0]}：{p.name} · {state}
              </span>
              {maySign ? (
                <Big kind="secondary" data-testid={`sign-${p.role}`} onClick={() => setSigning({ key: p.key, name: p.name })}>
                  {w.sign}
                </Big>
              ) : null}
            </li>
          );
        })}
      </ul>
      {signing ? (
        <SignaturePad
          title={w.sign_for.replace("{name}", signing.name)}
          labels={w}
          onCancel={() => setSigning(null)}
          onSave={(png) => {
            const party = signing.key;
            setSigning(null);
            run(
              (async () => {
                const sha = await queueBlob(ctx.repo, png, id);
                await sendIntent(ctx.repo, id, "sign", { party, blob: sha });
              })(),
            );
          }}
        />
      ) : null}
      {code ? (
        <Big kind="secondary" class="block" data-testid="agreement-open" onClick={() => void openPdf(code, w.offline)}>
          {w.open}
        </Big>
      ) : null}
    </section>
  );
}
