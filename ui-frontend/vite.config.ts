/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The UI is served by the lab gateway at "/" and calls the API on the same
// origin ("/api/..."). In development, Vite serves the UI and forwards /api to
// a gateway running on port 8080 (override with LAB_URL).
const gateway = process.env.LAB_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // Relative asset paths, so dist/ works wherever the gateway mounts it.
  base: './',
  // JSX through esbuild's automatic runtime (no React plugin needed).
  esbuild: { jsx: 'automatic' },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: gateway, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
