/**
 * The case workflow, its words and the categories, as the server decides them.
 *
 * Everything here is derived from `src/generated/shared.json`, written by the server
 * (`jiefen export-shared`, server/shared.py) and bundled at build time so it works offline. The app
 * keeps no copy of its own: a button shows exactly when the server's transition table lets this
 * role make that move from this state (tests/vectors/workflow.json pins both sides).
 */
import shared from "../generated/shared.json";

export type Lang = "zh" | "en";
export interface Words {
  zh: string;
  en: string;
}

/** A move a person can make: the target state, the button (stable id and words), the text it must carry. */
export interface Move {
  to: string;
  id: string;
  words: Words;
  required: string[];
}

/** Who is asking, relative to this case. */
export interface Standing {
  /** filed this case (on this device or with this account) */
  isFiler: boolean;
  /** the case is assigned to (or sent to the court of) this person's organisation */
  isAssignedOrg: boolean;
}

const FILER_ROLES = new Set(shared.filer_roles);
const ORG_ROLES = new Set(shared.org_roles);
const ACTS_AS: Record<string, string> = shared.acts_as;
const STATE_WORDS = new Map<string, Words>(shared.states.map((s) => [s.id, { zh: s.zh, en: s.en }]));
const EVENT_WORDS: Record<string, Words> = shared.events;
const ACTIONS: Record<string, { id: string; zh: string; en: string }> = shared.actions;
const FIELDS: Record<string, Words> = shared.fields;

export const STATES: readonly string[] = shared.states.map((s) => s.id);
/** Mediation under way (a mediator's inbox). */
export const OPEN_STATES: ReadonlySet<string> = new Set(shared.open);
/** Waiting for the court (a court clerk's inbox). */
export const COURT_STATES: ReadonlySet<string> = new Set(shared.court);
/** Nothing pending any more: mediation over and no court step waiting. */
export const FINISHED_STATES: ReadonlySet<string> = new Set(shared.finished);
/** No one can move a case out of these. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set(shared.terminal);
export const CATEGORIES: readonly ({ id: string } & Words)[] = shared.categories;
/** The classifier's answer when nothing matches: never offered as a suggestion. */
export const FALLBACK_CATEGORY: string = shared.category_fallback;
/** States in which a case has a 人民调解协议书 (server/routing/transitions.py AGREEMENT_STATES). */
export const AGREEMENT_STATES: ReadonlySet<string> = new Set(shared.agreement);

/** The role the transition table knows `role` by (an admin acts as an organisation's admin). */
export function workflowRole(role: string): string {
  return ACTS_AS[role] ?? role;
}

/** The moves `role` may make on a case in `state`, in the server's table order. */
export function movesFor(role: string, state: string | undefined, standing: Standing): Move[] {
  if (!state) return [];
  const who = workflowRole(role);
  if (FILER_ROLES.has(who) && !standing.isFiler) return [];
  // an administrator counts as assigned to every case (server/routing/service.py)
  if (ORG_ROLES.has(who) && !standing.isAssignedOrg && role !== "admin") return [];
  const out: Move[] = [];
  for (const tr of shared.transitions) {
    const action = ACTIONS[tr.to];
    if (tr.from !== state || !tr.roles.includes(who) || !action) continue;
    out.push({ to: tr.to, id: action.id, words: { zh: action.zh, en: action.en }, required: tr.required });
  }
  return out;
}

/** Whether `role` may send the intent `name` (pause, resume, correct_category) in `state`. */
export function intentAllowed(name: string, role: string, state: string | undefined): boolean {
  const rule = (shared.intents as Record<string, { roles: string[]; states: string[] } | undefined>)[name];
  return !!rule && !!state && rule.roles.includes(role) && rule.states.includes(state);
}

/** A state's name; undefined for an identifier the server does not know. */
export function stateWords(state: string): Words | undefined {
  return STATE_WORDS.get(state);
}

/** A timeline entry's words, as the server's trace page reads them (server/qr/labels.py `event_label`). */
export function eventWords(event: string | null | undefined, to: string | null | undefined): Words {
  // a pause or a correction records the state the case stays in: name the event, not the state
  if (event && EVENT_WORDS[event] && !STATE_WORDS.has(event)) return EVENT_WORDS[event]!;
  if (to && STATE_WORDS.has(to)) return STATE_WORDS.get(to)!;
  if (event && EVENT_WORDS[event]) return EVENT_WORDS[event]!;
  if (event && STATE_WORDS.has(event)) return STATE_WORDS.get(event)!;
  return shared.event_default;
}

/** The name of a field a move asks for (reason, agreement, ruling, docket_no). */
export function fieldWords(field: string): Words {
  return FIELDS[field] ?? { zh: field, en: field };
}

export function categoryName(id: string | null | undefined, lang: Lang = "zh"): string {
  if (!id) return "";
  const c = CATEGORIES.find((x) => x.id === id);
  return c ? c[lang] : id;
}
