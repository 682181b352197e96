import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRle, encodeRle, type CocoRle } from '../../../shared/src/rle';
import { GRAPHQL_JS } from './client/graphql';
import { RLE_JS } from './client/rle';
import { SEGMENT_JS } from './client/segment';
import { STORY_JS } from './client/story';
import { isPlaygroundPath, servePlayground } from './routes';
import { SAMPLES, sampleBytes } from './samples';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'pixel-heldout');

/** Loads a page module's source as an ES module. */
async function pageModule(source: string) {
  return import(/* @vite-ignore */ `data:text/javascript,${encodeURIComponent(source)}`);
}

describe('playground routes', () => {
  it('serves the page with a same-origin policy and links only to its own files', async () => {
    const response = servePlayground('/playground');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await response.text();
    const links = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(links).toContain('/playground/segment.js');
    expect(links.filter((l) => !l.startsWith('/') && l !== 'data:,')).toEqual([]);
    for (const link of links.filter((l) => l.startsWith('/playground/'))) {
      expect(servePlayground(link).status, link).toBe(200);
    }
  });

  it('serves its modules as JavaScript and refuses unknown paths', async () => {
    const js = servePlayground('/playground/story.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe(STORY_JS);
    expect(await servePlayground('/playground/palette.js').text()).toMatch(/MASK_COLORS = \[\[/);
    expect(servePlayground('/playground/toString').status).toBe(404);
    expect(servePlayground('/playground/samples/../index.ts').status).toBe(404);
    expect([isPlaygroundPath('/playground'), isPlaygroundPath('/playgrounds')])
      .toEqual([true, false]);
  });

  it('ships the samples byte for byte as the held-out fixtures have them', async () => {
    for (const sample of SAMPLES) {
      const fixture = new Uint8Array(readFileSync(join(FIXTURES, sample.name)));
      expect(sampleBytes(sample.name)).toEqual(fixture);
      const served = servePlayground(`/playground/samples/${sample.name}`);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(fixture);
    }
  });

  it('has page scripts that parse as ES modules', async () => {
    // Loading them needs a DOM; compiling them as module code catches syntax errors.
    for (const source of [SEGMENT_JS, STORY_JS]) {
      const body = source.replace(/^import .*$/gm, '');
      const strict = `'use strict'; return async () => {${body.replace(/^export /gm, '')}}`;
      expect(() => new Function(strict))
        .not.toThrow();
    }
  });
});

describe('the page RLE decoder', () => {
  it('decodes the held-out masks as shared/src/rle.ts does', async () => {
    const { decodeRle: pageDecode } = await pageModule(RLE_JS);
    const records = JSON.parse(readFileSync(join(FIXTURES, 'muse.json'), 'utf8')) as Array<{
      answers: Array<Array<{ segmentation: CocoRle }>>;
    }>;
    const masks = records.flatMap((r) => r.answers.flat().map((a) => a.segmentation));
    expect(masks.length).toBeGreaterThan(50);
    const differing = masks.filter((rle) =>
      !Buffer.from(pageDecode(rle)).equals(Buffer.from(decodeRle(rle).data)));
    expect(differing).toEqual([]);
  });

  it('decodes random masks with long runs, and refuses a truncated string', async () => {
    const { decodeRle: pageDecode } = await pageModule(RLE_JS);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const [width, height] of [[1, 1], [37, 5], [300, 200]]) {
      const data = new Uint8Array(width * height);
      let on = 0;
      for (let i = 0; i < data.length; i++) {
        if (random() < 0.01) on = 1 - on;
        data[i] = on;
      }
      const rle = encodeRle({ data, width, height });
      expect(pageDecode(rle)).toEqual(data);
    }
    expect(() => pageDecode({ size: [4, 4], counts: '5220\x7f' })).toThrow(/malformed/);
  });
});

describe('the page SSE reader', () => {
  it('splits events across chunk boundaries and skips comments', async () => {
    const { readEvents } = await pageModule(GRAPHQL_JS);
    const text = ':\n\nevent: next\ndata: {"a":1}\n\nevent: next\r\ndata: {"a"'
      + ':2}\r\n\r\nevent: complete\ndata:\n\n';
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const events: Array<[string, string]> = [];
    await readEvents(body, (event: string, data: string) => events.push([event, data]));
    expect(events).toEqual([['next', '{"a":1}'], ['next', '{"a":2}'], ['complete', '']]);
  });
});
