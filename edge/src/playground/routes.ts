/**
 * The playground the Worker serves at /playground: one HTML page, its ES modules and
 * stylesheet, and two sample images, all from this bundle (no CDN). The content security
 * policy keeps the page on this origin: scripts, styles, requests and images.
 */
import { GRAPHQL_JS } from './client/graphql';
import { RLE_JS } from './client/rle';
import { SEGMENT_JS } from './client/segment';
import { STORY_JS } from './client/story';
import { playgroundHtml } from './page';
import { paletteModule } from './palette';
import { sampleBytes } from './samples';
import { STYLE_CSS } from './style';

export const PLAYGROUND_PATH = '/playground';

const JS = 'text/javascript; charset=utf-8';

const ASSETS: Record<string, { body: () => string; type: string }> = {
  'graphql.js': { body: () => GRAPHQL_JS, type: JS },
  'rle.js': { body: () => RLE_JS, type: JS },
  'segment.js': { body: () => SEGMENT_JS, type: JS },
  'story.js': { body: () => STORY_JS, type: JS },
  'palette.js': { body: paletteModule, type: JS },
  'style.css': { body: () => STYLE_CSS, type: 'text/css; charset=utf-8' },
};

const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

/** Whether `pathname` is the playground or one of its files. */
export function isPlaygroundPath(pathname: string): boolean {
  return pathname === PLAYGROUND_PATH || pathname.startsWith(`${PLAYGROUND_PATH}/`);
}

/** Serves `/playground`, `/playground/<asset>` and `/playground/samples/<name>`. */
export function servePlayground(pathname: string): Response {
  const rest = pathname.slice(PLAYGROUND_PATH.length).replace(/^\//, '');
  const headers = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
  if (rest === '') {
    return new Response(playgroundHtml(PLAYGROUND_PATH), {
      headers: { ...headers, 'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CSP },
    });
  }
  const asset = Object.hasOwn(ASSETS, rest) ? ASSETS[rest] : undefined;
  if (asset) {
    return new Response(asset.body(), { headers: { ...headers, 'content-type': asset.type } });
  }
  const sample = rest.startsWith('samples/') ? sampleBytes(rest.slice('samples/'.length)) : null;
  if (sample) {
    return new Response(sample, { headers: { ...headers, 'content-type': 'image/png',
      'cache-control': 'public, max-age=86400' } });
  }
  return new Response(`Not found. The playground is at ${PLAYGROUND_PATH}.`, { status: 404 });
}
