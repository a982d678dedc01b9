import { useEffect, useState } from "preact/hooks";
import { route, match } from "./router";
import { useSignal } from "./lib/signal";
import { lang, t } from "./i18n";
import { largeText } from "./app/state";
import { Page, Toasts, Empty } from "./ui";
import { Home } from "./views/Home";
import { FileCase } from "./views/File";
import { Filed } from "./views/Filed";
import { Cases } from "./views/Cases";
import { CaseDetail } from "./views/case";
import { Trace } from "./views/Trace";
import { Grid, Inbox, Login } from "./views/Staff";
import { Settings } from "./views/Settings";
import { Posters } from "./views/Posters";
import { Consult } from "./views/Consult";
import { Lazy } from "./app/lazy";

/** The scanner (and jsQR behind it) loads only on its route. */
const LazyScan = () => <Lazy load={() => import("./views/Scan")} title={() => t("scan_title")} />;

/** The data cockpit (and ECharts behind it) loads only on its route. */
const LazyCockpit = () => <Lazy load={() => import("./views/cockpit/Cockpit")} title={() => (lang.value === "en" ? "Data cockpit" : "数据驾驶舱")} />;
/** 考核 rides in the cockpit chunk (ECharts stays out of the app shell). */
const LazyAssessment = () => (
  <Lazy load={() => import("./views/cockpit/Cockpit").then((m) => ({ default: m.Assessment }))} title={() => (lang.value === "en" ? "Assessment" : "考核")} />
);

function Routes({ url }: { url: string }) {
  const u = new URL(url, "http://x");
  const p = u.pathname;
  let m: Record<string, string> | null;
  if (p === "/" || p === "/index.html") return <Home />;
  if (match("/file", p)) return <FileCase />;
  if (match("/consult", p)) return <Consult />;
  if (match("/cases", p)) return <Cases />;
  if ((m = match("/cases/:id/qr", p))) return <Filed id={m["id"]!} isNew={u.searchParams.get("new") === "1"} />;
  if ((m = match("/cases/:id", p))) return <CaseDetail id={m["id"]!} />;
  if (match("/scan", p)) return <LazyScan />;
  if ((m = match("/t/:code", p))) return <Trace code={m["code"]!} />;
  if (match("/login", p)) return <Login />;
  if (match("/inbox", p)) return <Inbox />;
  if (match("/grid", p)) return <Grid />;
  if (match("/settings", p)) return <Settings />;
  if (match("/admin/posters", p)) return <Posters />;
  if (match("/cockpit/assessment", p)) return <LazyAssessment />;
  if (match("/cockpit", p)) return <LazyCockpit />;
  return (
    <Page title={t("not_found")}>
      <Empty text={t("not_found")} />
    </Page>
  );
}

export function App() {
  const url = useSignal(route);
  const l = useSignal(lang);
  const big = useSignal(largeText);
  useEffect(() => {
    document.documentElement.classList.toggle("large", big);
  }, [big]);
  useEffect(() => {
    document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
    document.title = t("app_name");
  }, [l]);
  return (
    <>
      <a href="#main" class="skip">
        {l === "zh" ? "跳到正文" : "Skip to content"}
      </a>
      <Routes url={url} key={l} />
      <Toasts />
    </>
  );
}
