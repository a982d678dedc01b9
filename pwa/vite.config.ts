/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import preact from "@preact/preset-vite";
import { VitePWA } from "vite-plugin-pwa";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const RULES = resolve(here, "../server/routing/rules.json");
const MODEL = resolve(here, "../server/routing/model.json");
const CATEGORIES = resolve(here, "../server/routing/categories.json");
const PLACEHOLDER = resolve(here, "src/lib/rules.placeholder.json");
const GUIDANCE = resolve(here, "../server/consult/guidance.json");

/**
 * `virtual:jiefen-rules`: the server's classification rules (server/routing/rules.json),
 * bundled at build time so category suggestions work offline. Falls back to a small placeholder
 * while that file does not exist.
 */
function rulesPlugin(): Plugin {
  const id = "virtual:jiefen-rules";
  return {
    name: "jiefen-rules",
    resolveId(source) {
      return source === id ? "\0" + id : null;
    },
    load(source) {
      if (source !== "\0" + id) return null;
      const file = existsSync(RULES) ? RULES : PLACEHOLDER;
      this.addWatchFile(file);
      return `export default ${readFileSync(file, "utf8")};`;
    },
  };
}

/**
 * Server data files as modules: `virtual:jiefen-model` (the learned category model, imported
 * lazily so it is its own chunk) and `virtual:jiefen-categories` (names and plain-word questions).
 */
function jsonModule(id: string, file: string): Plugin {
  return {
    name: `jiefen-${id}`,
    resolveId(source) {
      return source === id ? "\0" + id : null;
    },
    load(source) {
      if (source !== "\0" + id) return null;
      this.addWatchFile(file);
      return `export default JSON.parse(${JSON.stringify(readFileSync(file, "utf8"))});`;
    },
  };
}

export default defineConfig({
  plugins: [
    preact(),
    rulesPlugin(),
    jsonModule("virtual:jiefen-model", MODEL),
    jsonModule("virtual:jiefen-categories", CATEGORIES),
    jsonModule("virtual:jiefen-guidance", GUIDANCE), // 智能咨询 answers offline (lib/consult.ts)
    VitePWA({
      strategies: "injectManifest",
      srcDir: "src",
      filename: "sw.ts",
      registerType: "prompt",
      injectRegister: false,
      manifestFilename: "manifest.webmanifest",
      manifest: {
        name: "解纷",
        short_name: "解纷",
        description: "矛盾纠纷在线申请与调解（离线可用）",
        lang: "zh-CN",
        dir: "ltr",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "portrait",
        theme_color: "#b3261e",
        background_color: "#ffffff",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
          { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      injectManifest: {
        globPatterns: ["**/*.{js,css,html,png,svg,webmanifest}"],
        // The cockpit (ECharts, ~180 KB gzip) is for department staff online: no citizen's phone
        // should download it on install. jsQR stays: scanning must work offline.
        globIgnores: ["**/Cockpit-*"],
        maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
      },
      devOptions: { enabled: false, type: "module" },
    }),
  ],
  server: { fs: { allow: [".."] }, proxy: { "/api": process.env.JIEFEN_API ?? "http://127.0.0.1:8000" } },
  preview: { proxy: { "/api": process.env.JIEFEN_API ?? "http://127.0.0.1:8000" } },
  build: { target: "es2020", outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
    setupFiles: ["tests/setup.ts"],
  },
});
