import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const lib = (path: string): string => fileURLToPath(new URL(`../../libs/${path}`, import.meta.url));

// The page imports only the browser-safe entry points of the shared libs, from source.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: {
      '@sapora/protocol/gateway': lib('protocol/src/gateway/index.ts'),
      '@sapora/media/browser': lib('media/src/browser.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  // `npx vite` in apps/web: the page with hot reload, talking to a gateway on this machine.
  server: {
    proxy: { '/ws': { target: 'https://127.0.0.1:5555', ws: true, secure: false } },
  },
});
