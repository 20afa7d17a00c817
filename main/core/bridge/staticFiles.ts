// Serves the built renderer (dist/renderer) with a strict CSP. Only files directly inside staticDir
// with a known extension are served; no directory listing, no path outside it.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** script-src 'self' only: no inline script, no eval. style-src needs 'unsafe-inline' because xterm's
 * DOM renderer injects <style> elements for its theme and cell sizes (it sets no nonce); styles cannot
 * run code, scripts can. connect-src 'self' covers ws:// on the same host:port in Chromium. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every response carries: no caching of anything tokened, no referrer leaking the URL. */
export const COMMON_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/** `/` is the dashboard. Returns false when the path is not a static file (the caller answers 404). */
export async function serveStatic(
  staticDir: string,
  urlPath: string,
  res: ServerResponse,
  headOnly: boolean,
): Promise<boolean> {
  const rel = urlPath === '/' ? 'index.html' : urlPath.slice(1);
  // One segment only, and exactly what basename keeps: rules out `..`, `/` and `\` in one test.
  if (rel.length === 0 || rel !== basename(rel) || rel.startsWith('.')) return false;
  const ext = rel.slice(rel.lastIndexOf('.'));
  const type = TYPES[ext];
  if (!type) return false;
  let body: Buffer;
  try {
    body = await readFile(join(staticDir, rel));
  } catch {
    // ENOENT (or EISDIR): not a file we serve
    return false;
  }
  const headers: Record<string, string> = {
    ...COMMON_HEADERS,
    'Content-Type': type,
    'Content-Length': String(body.length),
  };
  if (ext === '.html') headers['Content-Security-Policy'] = CSP;
  res.writeHead(200, headers);
  res.end(headOnly ? undefined : body);
  return true;
}
