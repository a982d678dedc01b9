import { render } from "preact";
import "./styles.css";
import { App } from "./app";
import { Repo } from "./store/repo";
import { SyncScheduler } from "./sync/client";
import { ctx, largeText, online, session, toast, village } from "./app/state";
import { adoptPosterVillage, recheckVillage } from "./lib/poster";
import { logout, refreshMe, restoreSession } from "./app/auth";
import { t } from "./i18n";
import { navigate } from "./router";
import { registerServiceWorker } from "./app/sw-bridge";
import { refreshRegions } from "./lib/regions";
import { refreshOrgs } from "./lib/orgs";

async function boot(): Promise<void> {
  const root = document.getElementById("app")!;
  let repo: Repo;
  try {
    repo = await Repo.open();
  } catch (e) {
    root.textContent = `无法打开本机存储（${String((e as Error)?.message ?? e)}）。请关闭隐身模式或清理手机空间后重试。`;
    return;
  }
  ctx.repo = repo;
  ctx.sync = new SyncScheduler(repo);
  await restoreSession();
  try {
    largeText.value = localStorage.getItem("jiefen.large") === "1";
  } catch {
    /* ignore */
  }

  // poster QR: /?v={village code} pre-fills the village, remembered
  const params = new URLSearchParams(location.search);
  const v = params.get("v");
  if (v !== null) {
    // only a village of this deployment's list is taken; otherwise the home page says why
    await adoptPosterVillage(repo, v);
    params.delete("v");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
  village.value = await recheckVillage(repo);

  ctx.sync.onRejected = (fails) => {
    for (const f of fails) toast(`${f.intent ? t("rejected") : t("sync_failed")}：${f.message}`, "error");
  };
  ctx.sync.onAuthLost = () => {
    void (async () => {
      if (session.value.role === "citizen") {
        await repo.setMeta("token", null);
        await repo.setMeta("deviceToken", null);
        ctx.sync.schedule(1000);
      } else {
        await logout();
        toast(t("sync_error_auth"), "error");
        navigate("/login");
      }
    })();
  };
  repo.onLocalCommit = () => {
    ctx.sync.schedule(1500);
    void navigator.serviceWorker?.ready
      .then((reg) => (reg as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }).sync?.register("jiefen-sync"))
      .catch(() => {});
  };

  root.textContent = "";
  render(<App />, root);

  window.addEventListener("online", () => {
    online.value = true;
    void ctx.sync.now();
  });
  window.addEventListener("offline", () => {
    online.value = false;
    void ctx.sync.refreshPending().then(() => ctx.sync.now());
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void ctx.sync.now();
  });
  void ctx.sync.now();
  void refreshMe();
  void refreshRegions(repo).then(
    () => repo.emit(false),
    () => {},
  );
  void refreshOrgs(repo).catch(() => {});
  // an app left open all day still picks up what others did (cheap: one round trip when idle)
  setInterval(() => {
    if (document.visibilityState === "visible" && navigator.onLine !== false) void ctx.sync.now();
  }, 60_000);
  registerServiceWorker();
}

void boot();
