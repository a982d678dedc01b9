/**
 * `/consult` 智能咨询: plain-language topics or free text → what kind of dispute, what usually
 * happens, what to prepare, time limits, who handles it for the villager's village, the legal bases,
 * and 立即申请 with the filing form filled. Works with no signal (lib/consult.ts).
 */
import { useEffect, useState } from "preact/hooks";
import { lang } from "../i18n";
import { ctx, toast, useLive, village } from "../app/state";
import { useSignal } from "../lib/signal";
import { navigate } from "../router";
import { Big, Field, Page } from "../ui";
import { BUNDLED, consult, guidanceOf, prefetchConsult, type ConsultAnswer } from "../lib/consult";
import { cachedRegions, regionName } from "../lib/regions";

const W = {
  zh: {
    title: "智能咨询",
    intro: "先说说遇到了什么事，我们告诉您该怎么办、找谁、要准备什么。不需要联网。",
    topics: "常见问题",
    text: "用自己的话描述",
    text_ph: "例如：老板欠了我三个月工资不给",
    ask: "咨询",
    asking: "正在分析…",
    result: "咨询结果",
    kind: "纠纷类型",
    bases: "法律依据",
    file_now: "立即申请调解",
    again: "重新咨询",
    offline: "无网络，以下内容来自手机内保存的资料",
    no_org: "设置所在村（社区）后可显示具体受理机构；也可拨打 12348 公共法律服务热线。",
    village: "所在村（社区）",
    need_text: "请先描述您遇到的问题",
    version: "资料版本",
  },
  en: {
    title: "Ask first",
    intro: "Tell us what happened: we say what to do, who handles it and what to prepare. Works offline.",
    topics: "Common questions",
    text: "In your own words",
    text_ph: "e.g. my boss has not paid me for three months",
    ask: "Ask",
    asking: "Thinking…",
    result: "Answer",
    kind: "Kind of dispute",
    bases: "Legal basis",
    file_now: "Ask for mediation now",
    again: "Ask again",
    offline: "Offline: this answer comes from the guide kept on your phone",
    no_org: "Set your village to see which body handles it, or call the 12348 legal hotline.",
    village: "Your village",
    need_text: "Please describe your problem first",
    version: "Guide version",
  },
};

export function Consult() {
  const l = useSignal(lang);
  const w = W[l];
  const v = useSignal(village);
  const regions = useLive(() => cachedRegions(ctx.repo), []);
  const guide = useLive(() => guidanceOf(ctx.repo), []);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [ans, setAns] = useState<ConsultAnswer | null>(null);

  useEffect(() => {
    if (navigator.onLine !== false) void prefetchConsult(ctx.repo, v);
  }, [v]);

  async function ask(q: string) {
    if (!q.trim()) {
      toast(w.need_text, "error");
      return;
    }
    setBusy(true);
    try {
      setAns(await consult(ctx.repo, q.trim(), v));
      window.scrollTo(0, 0);
    } catch (e) {
      toast(String((e as Error).message ?? e), "error");
    } finally {
      setBusy(false);
    }
  }

  if (ans) {
    return (
      <Page title={w.title} testid="page-consult">
        <section class="card consult-answer" data-testid="consult-answer" data-category={ans.category} aria-live="polite">
          {ans.offline ? (
            <p class="hint" data-testid="consult-offline">
              {w.offline}
            </p>
          ) : null}
          <h2>
            {w.kind}：<span data-testid="consult-category">{ans.category_name}</span>
          </h2>
          {ans.sections.map((s) => (
            <div key={s.id} class="consult-section" data-testid={`consult-section-${s.id}`}>
              <h3>{s.title}</h3>
              {s.items.length > 1 || s.id === "prepare" ? (
                <ul>
                  {s.items.map((it, i) => (
                    <li key={i}>{it}</li>
                  ))}
                </ul>
              ) : (
                <p>{s.items[0]}</p>
              )}
            </div>
          ))}
          {!ans.organisation ? <p class="hint">{w.no_org}</p> : null}
          <details class="consult-section" data-testid="consult-bases">
            <summary>{w.bases}</summary>
            <ul>
              {ans.legal_bases.map((b) => (
                <li key={b.law + b.article}>
                  {b.law}
                  {b.article}：{b.point}
                </li>
              ))}
            </ul>
          </details>
          <p class="hint">
            {w.version} {ans.guidance_version}
          </p>
        </section>
        <Big
          class="block"
          data-testid="consult-file-now"
          onClick={() => {
            const q = new URLSearchParams({ category: ans.prefill.category, summary: ans.prefill.summary });
            navigate(`/file?${q.toString()}`);
          }}
        >
          {w.file_now}
        </Big>
        <Big kind="secondary" class="block" data-testid="consult-again" onClick={() => setAns(null)}>
          {w.again}
        </Big>
      </Page>
    );
  }

  const topics = (guide ?? BUNDLED).topics ?? [];
  return (
    <Page title={w.title} testid="page-consult">
      <p class="tagline">{w.intro}</p>
      {v ? (
        <p class="village">
          {w.village}：{regionName(regions ?? [], v)}
        </p>
      ) : null}
      <section class="card">
        <h3>{w.topics}</h3>
        <div class="chips" data-testid="consult-topics">
          {topics.map((tp) => (
            <button type="button" key={tp.label} class="chip" disabled={busy} onClick={() => void ask(tp.text)}>
              {tp.label}
            </button>
          ))}
        </div>
      </section>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void ask(text);
        }}
      >
        <Field id="consult-text" label={w.text}>
          <textarea id="consult-text" data-testid="consult-text" rows={4} maxLength={2000} value={text} placeholder={w.text_ph} onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
        <Big type="submit" class="block" data-testid="consult-ask" disabled={busy}>
          {busy ? w.asking : w.ask}
        </Big>
      </form>
    </Page>
  );
}
