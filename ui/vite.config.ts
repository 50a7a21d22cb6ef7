// Builds the dashboard into the Python package, so the product serves it from one origin.
// `npm run dev` proxies the API to a running `seismo dashboard` (SEISMO_DASHBOARD_URL).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const backend = process.env.SEISMO_DASHBOARD_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/seismo/dashboard/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": backend,
      "/health": backend,
      "/redis-data": backend,
      "/ws": { target: backend, ws: true },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
