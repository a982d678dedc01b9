import categories from "virtual:jiefen-categories";
import { t, lang } from "../i18n";
import { useSignal } from "../lib/signal";

const ASK = new Map(categories.categories.map((c) => [c.id, { zh: c.ask_zh ?? c.name_zh, en: c.ask_en ?? c.name_en }]));

/** Plain words for a category ("工资没拿到"), from server/routing/categories.json. */
export function askWords(id: string, language: "zh" | "en"): string {
  return ASK.get(id)?.[language] ?? id;
}

/**
 * When the model is unsure: "是工资没拿到，还是干活受了伤？" with one large button per likely
 * category and one for "none of these"; the choice becomes the filer's category.
 */
export function AskCategory({ candidates, onChoose }: { candidates: string[]; onChoose: (c: string | null) => void }) {
  useSignal(lang);
  const words = candidates.map((c) => askWords(c, lang.value));
  return (
    <div class="ask-category" role="group" aria-labelledby="ask-category-q" data-testid="file-ask">
      <p id="ask-category-q" class="ask-question" data-testid="file-ask-question">
        {t("ask_lead")}
        {words.join(t("ask_or"))}
        {t("ask_end")}
      </p>
      {candidates.map((c, i) => (
        <button type="button" key={c} class="btn primary ask-choice" data-testid={`file-ask-${c}`} onClick={() => onChoose(c)}>
          {words[i]}
        </button>
      ))}
      <button type="button" class="btn secondary ask-choice" data-testid="file-ask-none" onClick={() => onChoose(null)}>
        {t("ask_none")}
      </button>
    </div>
  );
}
