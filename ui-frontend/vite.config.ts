/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';

// The UI is served by the lab gateway at "/" and calls the API on the same
// origin ("/api/..."). In development, Vite serves the UI and forwards /api to
// a gateway running on port 8080 (override with LAB_URL).
const gateway = process.env.LAB_URL ?? 'http://127.0.0.1:8080';

/**
 * Puts the stylesheet into index.html as a <style> element: the first paint
 * then waits for no other request (the CSS is small, ~10 KB, 2.6 KB gzipped).
 */
function inlineCss(): Plugin {
  return {
    name: 'lab-inline-css',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const html = Object.values(bundle).find((f) => f.type === 'asset' && f.fileName === 'index.html');
      if (!html || html.type !== 'asset') return;
      let text = String(html.source);
      for (const [name, file] of Object.entries(bundle)) {
        if (file.type !== 'asset' || !name.endsWith('.css')) continue;
        const link = new RegExp(`<link rel="stylesheet"[^>]*href="[^"]*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>`);
        if (!link.test(text)) continue;
        text = text.replace(link, () => `<style>${String(file.source)}</style>`);
        delete bundle[name];
      }
      html.source = text;
    },
  };
}

export default defineConfig({
  // Relative asset paths, so dist/ works wherever the gateway mounts it.
  base: './',
  // JSX through esbuild's automatic runtime (no React plugin needed).
  esbuild: { jsx: 'automatic' },
  plugins: [inlineCss()],
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
    rollupOptions: {
      output: {
        // React in a chunk of its own: it changes less often than the views, so browsers keep it cached.
        manualChunks: (id) => (/node_modules\/(react|react-dom|scheduler)\//.test(id) ? 'react' : undefined),
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
