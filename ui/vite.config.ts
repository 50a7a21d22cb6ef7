// Builds the dashboard into the Python package, so the product serves it from one origin.
// `npm run dev` proxies the API to a `seismo dashboard` running on this machine.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const backend = `http://127.0.0.1:${process.env.SEISMO_DASHBOARD_PORT ?? "8080"}`;

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
      "/openapi.json": backend,
      "/ws": { target: backend, ws: true },
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
