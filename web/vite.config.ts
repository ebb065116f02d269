// The web viewer's build: every script, wasm file and font into the Python package
// (viewer/service/webapp/, served by `lightbox serve` at /web/), nothing from a CDN.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/web/",
  build: {
    outDir: "../viewer/service/webapp",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: "es2022",
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
