/** Shared UI pieces. Touch targets ≥ 48 px, plain words, aria labels. */
import type { ButtonHTMLAttributes, ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { t, statusLabel, lang } from "./i18n";
import { ctx, dismissToast, online, toasts } from "./app/state";
import { useSignal } from "./lib/signal";
import { navigate, Link } from "./router";
import type { SyncStatus } from "./sync/client";
import { waitWords } from "./lib/wait";
import type { SyncBadge } from "./lib/cases";
import { lengthState } from "./lib/validate";
import type { Region } from "./lib/regions";

export function useSyncStatus(): SyncStatus {
  const [s, set] = useState<SyncStatus>(ctx.sync.status);
  useEffect(() => ctx.sync.subscribe(set), []);
  return s;
}

export function GlobalSyncBadge() {
  const s = useSyncStatus();
  const isOnline = useSignal(online);
  let text: string;
  let cls: string;
  // the number is of cases (one filed case is 1 however many changes it holds)
  const waiting = s.pending ? `${t("sync_pending")} ${s.pending}` : s.pendingOps ? t("sync_pending") : "";
  if (!isOnline || s.state === "offline") [text, cls] = [waiting ? `${t("sync_offline")} · ${waiting}` : t("sync_offline"), "badge offline"];
  else if (s.state === "syncing") [text, cls] = [t("sync_syncing"), "badge pending"];
  else if (s.state === "waiting") [text, cls] = [t("sync_wait", { wait: waitWords(s.waitSeconds ?? 60) }), "badge pending"];
  else if (s.state === "error") [text, cls] = [t("sync_failed"), "badge failed"];
  else if (waiting) [text, cls] = [waiting, "badge pending"];
  else [text, cls] = [t("sync_done"), "badge synced"];
  return (
    <button
      type="button"
      class={cls}
      data-testid="sync-badge"
      data-state={!isOnline ? "offline" : s.state}
      data-pending={s.pending}
      aria-label={`${text}，${t("sync_now")}`}
      title={s.error === "network" ? t("sync_error_network") : s.error === "auth" ? t("sync_error_auth") : (s.error ?? "")}
      onClick={() => void ctx.sync.now()}
    >
      {text}
    </button>
  );
}

export function CaseSyncBadge({ badge, reason, testid = "case-sync" }: { badge: SyncBadge; reason?: string; testid?: string }) {
  const text = { pending: t("sync_pending"), rejected: t("sync_failed"), refused: t("sync_refused"), synced: t("sync_done") }[badge];
  return (
    <span class={`badge ${badge}`} data-testid={testid} data-state={badge} title={reason}>
      {text}
      {badge !== "synced" && badge !== "pending" && reason ? `：${reason}` : ""}
    </span>
  );
}

export function StatusLabel({ status, testid = "status-label" }: { status: string | undefined; testid?: string }) {
  useSignal(lang);
  return (
    <span class={`status status-${status ?? "draft"}`} data-testid={testid} data-status={status ?? "draft"}>
      {statusLabel(status)}
    </span>
  );
}

export function Page(props: { title: string; back?: string | boolean; children: ComponentChildren; wide?: boolean; testid?: string }) {
  return (
    <div class="page" data-testid={props.testid}>
      <header class="topbar">
        {props.back !== false ? (
          <button
            type="button"
            class="icon-btn"
            aria-label={t("back")}
            data-testid="back"
            onClick={() => (typeof props.back === "string" ? navigate(props.back) : history.length > 1 ? history.back() : navigate("/"))}
          >
            ‹
          </button>
        ) : (
          <span class="logo" aria-hidden="true">
            解
          </span>
        )}
        <h1>{props.title}</h1>
        <GlobalSyncBadge />
        <Link href="/settings" class="icon-btn" aria-label={t("settings")} data-testid="nav-settings">
          ⚙
        </Link>
      </header>
      <OfflineBanner />
      <main id="main" class={props.wide ? "wide" : ""}>
        {props.children}
      </main>
    </div>
  );
}

function OfflineBanner() {
  const isOnline = useSignal(online);
  if (isOnline) return null;
  return (
    <div class="banner offline" role="status" data-testid="offline-banner">
      {t("offline_now")}
    </div>
  );
}

export function Toasts() {
  const list = useSignal(toasts);
  return (
    <div class="toasts" aria-live="polite">
      {list.map((x) => (
        <div key={x.id} class={`toast ${x.kind}`} role={x.kind === "error" ? "alert" : "status"} data-testid={`toast-${x.kind}`}>
          <span>{x.text}</span>
          {x.action ? (
            <button
              type="button"
              onClick={() => {
                dismissToast(x.id);
                x.action!.run();
              }}
              data-testid="toast-action"
            >
              {x.action.label}
            </button>
          ) : (
            <button type="button" class="close" aria-label={t("dismiss")} onClick={() => dismissToast(x.id)}>
              ×
            </button>
          )}
        </div>
      ))}
    </div>
  );
}

export function Field(props: { label: string; children: ComponentChildren; error?: string | null; hint?: string; id: string }) {
  return (
    <div class={`field ${props.error ? "has-error" : ""}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <div class="hint">{props.hint}</div> : null}
      {props.error ? (
        <div class="error" role="alert" data-testid={`${props.id}-error`}>
          {props.error}
        </div>
      ) : null}
    </div>
  );
}

export function Big(props: ButtonHTMLAttributes<HTMLButtonElement> & { kind?: "primary" | "secondary" | "danger" }) {
  const { kind = "primary", class: cls, ...rest } = props;
  return <button type="button" class={`btn ${kind} ${cls ?? ""}`} {...rest} />;
}

/** A time in China time (UTC+8, no daylight saving) whatever the phone's own zone: deadlines are
 * legal China-time days ("23:59 on the 3rd working day"), and a phone set to another zone must not
 * move them. */
export function fmtTime(v: unknown): string {
  const ms = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) return "";
  const d = new Date(ms + 8 * 3600 * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

export function Empty({ text }: { text: string }) {
  return <p class="empty">{text}</p>;
}

/** A drop-down of towns or villages by name; with `choose`, a first empty "please choose" entry. */
export function RegionSelect(props: { id: string; testid: string; value: string; regions: Region[]; choose?: boolean; onChange: (code: string) => void }) {
  return (
    <select id={props.id} data-testid={props.testid} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
      {props.choose ? <option value="">{t("choose")}</option> : null}
      {props.regions.map((r) => (
        <option key={r.code} value={r.code}>
          {r.name}
        </option>
      ))}
    </select>
  );
}

/** One term and its value in a `<dl class="facts">`. */
export function Fact(props: { label: string; testid?: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd data-testid={props.testid}>{props.children}</dd>
    </>
  );
}

/** The page a signed-out (or wrong-role) visitor sees instead of a staff page: why, and a way to sign in. */
export function NeedLogin(props: { title: string; text: string; login: string; testid: string }) {
  return (
    <Page title={props.title} back="/" testid={props.testid}>
      <Empty text={props.text} />
      <Link href="/login" class="btn primary block" data-testid="nav-login">
        {props.login}
      </Link>
    </Page>
  );
}

/** A counter under a text box once it nears its limit (red past it): text is never cut silently. */
export function Count({ value, max }: { value: string; max: number }) {
  const st = lengthState(value, max);
  if (!st.near) return null;
  return (
    <div class={`hint counter ${st.over ? "over" : ""}`} data-testid="char-count" data-over={st.over ? "1" : "0"} aria-live="polite">
      {st.over ? t("too_long", { max }) : t("chars_count", { n: st.n, max })}
    </div>
  );
}
