import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The web pages the API serves (offline: everything bundled from npm): the generated live dashboard
 * at /dashboard/, the demo's hand-made orders page at /demo/ and GraphiQL at /graphiql/. `npm run build:web` writes them to dist/web; the API
 * serves that folder. JSX is compiled by Oxc (React's automatic runtime); no plugin needed.
 */
export default defineConfig({
  root: resolve(import.meta.dirname, 'web'),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(import.meta.dirname, 'dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        dashboard: resolve(import.meta.dirname, 'web/dashboard/index.html'),
        demo: resolve(import.meta.dirname, 'web/demo/index.html'),
        graphiql: resolve(import.meta.dirname, 'web/graphiql/index.html'),
      },
      // GraphiQL's UI library marks modules "use client" (for React Server Components): meaningless here.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
