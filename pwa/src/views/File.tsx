import { useEffect, useMemo, useState } from "preact/hooks";
import rules from "virtual:jiefen-rules";
import { t, lang } from "../i18n";
import { ctx, session, toast, useLive, village } from "../app/state";
import { useSignal } from "../lib/signal";
import { navigate } from "../router";
import { Big, Count, Field, Page, RegionSelect } from "../ui";
import { cachedRegions, isVillage, refreshRegions, towns, townOf, villagesOf } from "../lib/regions";
import { compileRules, categoryNames, suggest } from "../lib/classify";
import { AskCategory } from "./AskCategory";
import { useCategoryModel, caseText } from "../lib/categoryModel";
import { fileCase } from "../lib/cases";
import { resizeToJpeg } from "../lib/image";
import { requestPersist } from "../app/storage";
import { amountProblem, lengthState, normalizePhone, phoneProblem } from "../lib/validate";
import { errorText } from "../lib/errors";

/** Longest texts the server stores (server/sync/fields.py): longer ones are refused, never cut. */
const MAX = { summary: 200, description: 5000, name: 50 } as const;

const TERMS = compileRules(rules);
const NAMES = categoryNames(rules);

export function FileCase() {
  const sess = useSignal(session);
  useSignal(lang);
  const forVillager = sess.role === "grid_worker";
  const regions = useLive(() => cachedRegions(ctx.repo), []);
  const remembered = useSignal(village);
  // 智能咨询's 立即申请 opens /file?summary=…&category=… (views/Consult.tsx)
  const [pre] = useState(() => new URLSearchParams(typeof location === "undefined" ? "" : location.search));
  const preCategory = NAMES.has(pre.get("category") ?? "") ? pre.get("category") : null;
  const [summary, setSummary] = useState((pre.get("summary") ?? "").slice(0, 200));
  const [description, setDescription] = useState("");
  const [otherName, setOtherName] = useState("");
  const [otherPhone, setOtherPhone] = useState("");
  const [myName, setMyName] = useState(forVillager ? "" : (sess.user?.name ?? ""));
  const [myPhone, setMyPhone] = useState("");
  const [town, setTown] = useState("");
  const [vill, setVill] = useState(remembered ?? (forVillager ? (sess.user?.region ?? "") : ""));
  const [channel, setChannel] = useState<"online" | "in_person">("online");
  const [amount, setAmount] = useState("");
  const [applicants, setApplicants] = useState("1");
  const [category, setCategory] = useState<string | null>(preCategory);
  const [touchedCategory, setTouchedCategory] = useState(preCategory !== null);
  const [photos, setPhotos] = useState<{ blob: Blob; url: string }[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    refreshRegions(ctx.repo).then(() => ctx.repo.emit(false), () => {});
  }, []);
  useEffect(() => {
    if (regions?.length && vill && !town) setTown(townOf(regions, vill) ?? "");
  }, [regions, vill]);

  const text = caseText(summary, description);
  const suggestions = useMemo(() => suggest(text, TERMS), [text]);
  const decision = useCategoryModel(text, TERMS);
  // A confident guess fills the select (the filer can change it); an unsure one asks instead.
  const guess = decision ? (decision.unsure ? null : decision.category) : (suggestions[0]?.category ?? null);
  useEffect(() => {
    if (!touchedCategory) setCategory(guess);
  }, [guess, touchedCategory]);
  const hinted = decision ? decision.candidates.map(([c]) => c) : suggestions.map((s) => s.category);

  const townList = towns(regions ?? []);
  const villageList = town ? villagesOf(regions ?? [], town) : [];
  const name = (id: string) => NAMES.get(id)?.[lang.value] ?? id;

  async function addPhotos(files: FileList | null) {
    if (!files) return;
    const out: { blob: Blob; url: string }[] = [];
    for (const f of Array.from(files)) {
      try {
        const blob = f.type.startsWith("image/") ? await resizeToJpeg(f) : f;
        out.push({ blob, url: URL.createObjectURL(blob) });
      } catch (e) {
        toast(String((e as Error).message), "error");
      }
    }
    setPhotos((p) => [...p, ...out]);
  }

  async function submit(e: Event) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!summary.trim()) errs["f-summary"] = t("required");
    if (!otherName.trim()) errs["f-other-name"] = t("required");
    if (forVillager && !myName.trim()) errs["f-my-name"] = t("required");
    // only a village of the list (once there is one: offline before the first download, a poster's
    // village is kept and the server decides)
    if (!/^\d{12}$/.test(vill) || (regions?.length && !isVillage(regions, vill))) errs["f-village"] = t("need_village");
    const long = (id: string, v: string, max: number) => {
      if (lengthState(v, max).over) errs[id] = t("too_long", { max });
    };
    long("f-summary", summary, MAX.summary);
    long("f-description", description, MAX.description);
    long("f-other-name", otherName, MAX.name);
    long("f-my-name", myName, MAX.name);
    for (const [id, v] of [
      ["f-other-phone", otherPhone],
      ["f-my-phone", myPhone],
    ] as const) {
      const p = phoneProblem(v);
      if (p) errs[id] = t(p);
    }
    const amountErr = amountProblem(amount);
    if (amountErr) errs["f-amount"] = t(amountErr);
    setErrors(errs);
    if (Object.keys(errs).length) {
      document.getElementById(Object.keys(errs)[0]!)?.focus();
      return;
    }
    setBusy(true);
    try {
      const amt = amount.trim() ? Number(amount) : null;
      const filed = await fileCase(ctx.repo, {
        summary,
        description,
        region: vill,
        channel,
        amount: amt,
        applicants: Math.max(1, parseInt(applicants, 10) || 1),
        category,
        applicant: { name: myName, phone: normalizePhone(myPhone) },
        respondent: { name: otherName, phone: normalizePhone(otherPhone) },
        photos: photos.map((p) => p.blob),
      });
      if (!forVillager) {
        village.value = vill;
        await ctx.repo.setMeta("village", vill);
      }
      void requestPersist();
      ctx.sync.schedule(300);
      navigate(`/cases/${filed.key}/qr?new=1`, true);
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={forVillager ? t("file_for_villager") : t("file_title")} testid="page-file">
      <form class="form" onSubmit={submit} noValidate data-testid="file-form">
        <fieldset>
          <legend>{t("step_what")}</legend>
          <Field id="f-summary" label={t("summary")} error={errors["f-summary"]}>
            <input id="f-summary" data-testid="file-summary" value={summary} placeholder={t("summary_ph")} onInput={(e) => setSummary(e.currentTarget.value)} />
            <Count value={summary} max={MAX.summary} />
          </Field>
          <Field id="f-description" label={t("description")} error={errors["f-description"]}>
            <textarea id="f-description" data-testid="file-description" rows={4} value={description} placeholder={t("description_ph")} onInput={(e) => setDescription(e.currentTarget.value)} />
            <Count value={description} max={MAX.description} />
          </Field>
          {decision?.unsure && !touchedCategory ? (
            <AskCategory
              candidates={decision.candidates.map(([c]) => c)}
              onChoose={(c) => {
                setTouchedCategory(true);
                setCategory(c);
              }}
            />
          ) : null}
          <Field id="f-category" label={t("category")} hint={hinted.length ? `${t("suggested_category")}：${hinted.map(name).join("、")}` : undefined}>
            <select
              id="f-category"
              data-testid="file-category"
              data-suggested={decision ? decision.category : (suggestions[0]?.category ?? "")}
              data-unsure={decision?.unsure ? "1" : "0"}
              value={category ?? ""}
              onChange={(e) => {
                setTouchedCategory(true);
                setCategory(e.currentTarget.value || null);
              }}
            >
              <option value="">{t("category_none")}</option>
              {[...NAMES.keys()].map((id) => (
                <option key={id} value={id}>
                  {name(id)}
                </option>
              ))}
            </select>
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t("step_other")}</legend>
          <Field id="f-other-name" label={t("other_name")} error={errors["f-other-name"]}>
            <input id="f-other-name" data-testid="file-other-name" value={otherName} onInput={(e) => setOtherName(e.currentTarget.value)} />
            <Count value={otherName} max={MAX.name} />
          </Field>
          <Field id="f-other-phone" label={t("other_phone")} error={errors["f-other-phone"]}>
            <input id="f-other-phone" data-testid="file-other-phone" type="tel" inputMode="tel" autoComplete="off" value={otherPhone} onInput={(e) => setOtherPhone(e.currentTarget.value)} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t("step_you")}</legend>
          <Field id="f-my-name" label={forVillager ? t("villager_name") : t("your_name")} error={errors["f-my-name"]}>
            <input id="f-my-name" data-testid="file-my-name" value={myName} onInput={(e) => setMyName(e.currentTarget.value)} />
            <Count value={myName} max={MAX.name} />
          </Field>
          <Field id="f-my-phone" label={forVillager ? t("villager_phone") : t("your_phone")} error={errors["f-my-phone"]}>
            <input id="f-my-phone" data-testid="file-my-phone" type="tel" inputMode="tel" value={myPhone} onInput={(e) => setMyPhone(e.currentTarget.value)} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t("step_where")}</legend>
          {!regions?.length ? <p class="hint">{t("regions_missing")}</p> : null}
          <Field id="f-town" label={t("town")}>
            <RegionSelect
              id="f-town"
              testid="file-town"
              value={town}
              regions={townList}
              choose
              onChange={(code) => {
                setTown(code);
                setVill("");
              }}
            />
          </Field>
          <Field id="f-village" label={t("village")} error={errors["f-village"]}>
            <RegionSelect id="f-village" testid="file-village" value={vill} regions={villageList} choose onChange={setVill} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t("step_how")}</legend>
          <div class="radios" role="radiogroup">
            {(["online", "in_person"] as const).map((c) => (
              <label key={c} class={`radio ${channel === c ? "checked" : ""}`}>
                <input type="radio" name="channel" value={c} data-testid={`file-channel-${c}`} checked={channel === c} onChange={() => setChannel(c)} />
                {c === "online" ? t("channel_online") : t("channel_in_person")}
              </label>
            ))}
          </div>
          <Field id="f-amount" label={t("amount")} error={errors["f-amount"]}>
            <input id="f-amount" data-testid="file-amount" type="text" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
          </Field>
          <Field id="f-applicants" label={t("applicants")}>
            <input id="f-applicants" data-testid="file-applicants" type="number" inputMode="numeric" min="1" max="10000" value={applicants} onInput={(e) => setApplicants(e.currentTarget.value)} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t("evidence")}</legend>
          <label class="btn secondary file-btn">
            {t("add_photos")}
            <input type="file" accept="image/*" multiple data-testid="file-photos" class="visually-hidden" onChange={(e) => void addPhotos(e.currentTarget.files)} />
          </label>
          {photos.length ? (
            <div class="thumbs" data-testid="file-photo-count" data-count={photos.length}>
              <span>{t("photos_count", { n: photos.length })}</span>
              {photos.map((p, i) => (
                <button type="button" key={p.url} class="thumb" aria-label={`${t("cancel")} ${i + 1}`} onClick={() => setPhotos((ps) => ps.filter((x) => x !== p))}>
                  <img src={p.url} alt="" />
                </button>
              ))}
            </div>
          ) : null}
        </fieldset>
        <Big type="submit" data-testid="file-submit" disabled={busy} class="block">
          {busy ? t("submitting") : t("submit")}
        </Big>
      </form>
    </Page>
  );
}
