/** A tiny history router: `navigate()`, `<Link>`, and `match()` against path patterns. */
import type { AnchorHTMLAttributes, ComponentChildren } from "preact";
import { signal } from "./lib/signal";

const here = () => (typeof location === "undefined" ? "/" : location.pathname + location.search + location.hash);
export const route = signal<string>(here());

export function navigate(to: string, replace = false): void {
  if (to === here()) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  route.value = here();
  window.scrollTo(0, 0);
}

if (typeof window !== "undefined") {
  window.addEventListener("popstate", () => (route.value = here()));
  window.addEventListener("hashchange", () => (route.value = here()));
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren }) {
  const { href, onClick, ...rest } = props;
  return (
    <a
      href={href}
      onClick={(e) => {
        if (typeof onClick === "function") onClick(e as never);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(href);
      }}
      {...rest}
    />
  );
}

/** Match "/cases/:key" against a pathname; returns params or null. */
export function match(pattern: string, pathname: string): Record<string, string> | null {
  const names: string[] = [];
  const re = new RegExp(
    "^" +
      pattern.replace(/\/:([a-zA-Z]+)/g, (_, n: string) => {
        names.push(n);
        return "/([^/]+)";
      }) +
      "/?$",
  );
  const m = re.exec(pathname);
  if (!m) return null;
  const out: Record<string, string> = {};
  names.forEach((n, i) => (out[n] = decodeURIComponent(m[i + 1]!)));
  return out;
}
