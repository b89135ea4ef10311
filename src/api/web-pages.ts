import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Built by `npm run build:web` (vite.config.ts) from web/. */
const WEB_ROOT = new URL('../../dist/web/', import.meta.url);

const PAGES: Readonly<Record<string, string>> = {
  '/dashboard': 'dashboard/index.html',
  '/dashboard/': 'dashboard/index.html',
  '/demo': 'demo/index.html',
  '/demo/': 'demo/index.html',
  '/graphiql': 'graphiql/index.html',
  '/graphiql/': 'graphiql/index.html',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.png': 'image/png',
};

function typeOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return TYPES[file.slice(dot)] ?? 'application/octet-stream';
}

/**
 * Serves the bundled web pages (the dashboard, GraphiQL) and their assets: fixed page paths, and asset file
 * names without any path (so nothing outside dist/web can be named). Resolves false when the
 * path is not one of them.
 */
export async function serveWebPage(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
): Promise<boolean> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const page = PAGES[pathname];
  const asset = /^\/assets\/([\w.-]+)$/.exec(pathname)?.[1];
  const file = page ?? (asset && !asset.startsWith('.') ? `assets/${asset}` : undefined);
  if (!file) return false;
  try {
    const body = await readFile(new URL(file, WEB_ROOT));
    response.writeHead(200, {
      'content-type': typeOf(file),
      // Asset names carry a content hash: they never change. Pages may, with a new build.
      'cache-control': page ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch {
    response
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(page ? 'the web pages are not built: run `npm run build:web`\n' : 'not found\n');
  }
  return true;
}
