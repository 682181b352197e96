/**
 * The playground in a real browser: Debian's Chromium driven by playwright-core against both
 * processes started as `npm start` starts them. The masks are checked on the screenshot's
 * pixels: where the API's mask for a target is set (and no other target's), the pixel is the
 * image blended with that target's colour; where no mask is set, it is the image alone;
 * unticking a target takes its colour away.
 */
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startStack, type Stack } from '../../scripts/start';
import { decodeRle } from '../../shared/src/rle';
import { graphql } from '../../edge/test/graphql-client';
import { hasPixelBundle, MODELS_DIR, NO_BUNDLE } from '../../edge/test/worker-process';
import { MASK_ALPHA, MASK_COLORS } from '../../edge/src/playground/palette';
import { SAMPLES, sampleBytes } from '../../edge/src/playground/samples';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const NO_CHROMIUM = `needs Chromium at ${CHROMIUM} (apt-get install chromium)`;
const HAS_STORY = existsSync(join(MODELS_DIR, 'story-ref', 'manifest.json'));
const EDGE_PORT = 18861;
const GPU_PORT = 18862;
const persistTo = join(ROOT, '.wrangler', `e2e-playground-${EDGE_PORT}`);

/** scene-002.png, "where are the squares ?": the green and the blue square. */
const SAMPLE = SAMPLES[0];
/** Largest difference per channel between a screenshot pixel and its expected value. */
const TOLERANCE = 6;

const SEGMENT = `query ($id: ID!, $q: String!, $t: Float!) { segment(imageId: $id, question: $q) {
  segments { label mask(format: RLE, threshold: $t) { ... on RleMask { size counts } } } } }`;

interface Rgba { data: Uint8Array; width: number; height: number }
interface Target { label: string; mask: Uint8Array }

/** The canvas as the screen shows it (whole pixels at the canvas's size). */
async function canvasShot(page: Page): Promise<Rgba> {
  const canvas = page.locator('#canvas');
  const box = (await canvas.boundingBox())!;
  const [width, height] = await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  const png = await page.screenshot({
    clip: { x: Math.round(box.x), y: Math.round(box.y), width, height },
  });
  const { data, info } = await sharp(png).ensureAlpha().raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** [height, width] of the sample. */
async function sampleSize(): Promise<[number, number]> {
  const { width, height } = await sharp(sampleBytes(SAMPLE.name)!).metadata();
  return [height!, width!];
}

/** The API's masks for the sample's question, as the page asked for them. */
async function apiTargets(graphqlUrl: string, threshold: number): Promise<Target[]> {
  const id = createHash('sha256').update(sampleBytes(SAMPLE.name)!).digest('hex');
  const result = await graphql(graphqlUrl, SEGMENT, { id, q: SAMPLE.question, t: threshold });
  expect(result.errors).toBeUndefined();
  const segments = result.data!.segment.segments as Array<{
    label: string; mask: { size: [number, number]; counts: string };
  }>;
  return segments.map((s) => ({ label: s.label, mask: decodeRle(s.mask).data }));
}

/**
 * Compares a screenshot with the picture the masks should make: for each image pixel (the
 * centre of its block on the canvas), the base pixel blended with the colour of every shown
 * target whose mask holds it. Returns, per target, the share of its own pixels (inside its
 * mask only) drawn as expected, the share of pixels outside every mask drawn unchanged, and
 * which pixels were drawn as expected (1) or not (0); 255 where masks overlap (not judged).
 */
function compare(shot: Rgba, base: Rgba, targets: Target[], shown: boolean[], size: number[]) {
  const [height, width] = size;
  const scale = shot.width / width;
  expect([shot.width % width, shot.height, base.width]).toEqual([0, height * scale, shot.width]);
  const own = targets.map(() => ({ pixels: 0, matching: 0 }));
  const outside = { pixels: 0, matching: 0 };
  const matches = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = ((y * scale + scale / 2) * shot.width + x * scale + scale / 2) * 4;
      const inside = targets.flatMap((t, i) => (t.mask[y * width + x] ? [i] : []));
      if (inside.length > 1) continue;
      const expected = [0, 1, 2].map((c) => {
        const under = base.data[at + c];
        if (inside.length === 0 || !shown[inside[0]]) return under;
        return MASK_ALPHA * MASK_COLORS[inside[0] % MASK_COLORS.length][c]
          + (1 - MASK_ALPHA) * under;
      });
      const same = expected.every((v, c) => Math.abs(shot.data[at + c] - v) <= TOLERANCE);
      const tally = inside.length === 0 ? outside : own[inside[0]];
      tally.pixels += 1;
      if (same) tally.matching += 1;
      matches[y * width + x] = same ? 1 : 0;
    }
  }
  expect(Math.min(...own.map((o) => o.pixels))).toBeGreaterThan(20);
  return { own: own.map((o) => o.matching / o.pixels), outside: outside.matching / outside.pixels,
    matches };
}

async function setShown(page: Page, shown: boolean[]): Promise<void> {
  for (const [i, on] of shown.entries()) {
    await page.locator(`#segments input[data-index="${i}"]`).setChecked(on);
  }
}

/** Waits until a panel leaves its busy state; fails with the page's message on an error. */
async function settled(page: Page, panel: string, busy: string, timeout: number) {
  const view = page.locator(`#${panel}`);
  await expect.poll(() => view.getAttribute('data-state'), { timeout }).not.toBe(busy);
  return view.getAttribute('data-state');
}

if (!HAS_CHROMIUM) it.skip(`playground in Chromium ${NO_CHROMIUM}`, () => {});
if (HAS_CHROMIUM && !hasPixelBundle()) it.skip(`playground in Chromium ${NO_BUNDLE}`, () => {});

describe.runIf(HAS_CHROMIUM && hasPixelBundle())('playground in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    rmSync(persistTo, { recursive: true, force: true });
    stack = await startStack({
      edgePort: EDGE_PORT, gpuPort: GPU_PORT, modelsDir: MODELS_DIR, persistTo,
      edgeVars: { LOG_LEVEL: 'warn' },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${stack.edgeUrl}/playground`);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('draws each target of the answer in its own colour, and toggles it', async () => {
    await page.selectOption('#sample', SAMPLE.name);
    await page.locator(`#canvas[data-image="${SAMPLE.name}"]`).waitFor();
    await expect.poll(() => page.inputValue('#question')).toBe(SAMPLE.question);
    await page.click('#ask');
    const state = await settled(page, 'segment-view', 'loading', 90_000);
    expect(state, await page.textContent('#segment-status') ?? '').toBe('ready');

    const targets = await apiTargets(stack.graphqlUrl, 0.5);
    expect(targets.length).toBeGreaterThanOrEqual(2);
    const items = await page.locator('#segments li').allTextContents();
    expect(items.map((text) => text.split(' · ')[0])).toEqual(targets.map((t) => t.label));
    expect(await page.textContent('#answer')).toContain(targets[0].label);
    const size = await sampleSize();
    const all = targets.map(() => true);
    const drawn = await canvasShot(page);
    await setShown(page, targets.map(() => false));
    const base = await canvasShot(page);

    const on = compare(drawn, base, targets, all, size);
    console.info(`playground: ${targets.map((t, i) => `${t.label} ${(on.own[i] * 100)
      .toFixed(1)}%`).join(', ')} of own pixels in colour; outside ${(on.outside * 100)
      .toFixed(2)}% unchanged`);
    on.own.forEach((share) => expect(share).toBeGreaterThanOrEqual(0.95));
    expect(on.outside).toBeGreaterThanOrEqual(0.999);

    const firstOff = targets.map((_, i) => i !== 0);
    await setShown(page, firstOff);
    const off = compare(await canvasShot(page), base, targets, firstOff, size);
    off.own.forEach((share) => expect(share).toBeGreaterThanOrEqual(0.95));
    // Compared with the colour it had, the unticked target is gone.
    const stale = compare(await canvasShot(page), base, targets, all, size);
    expect(stale.own[0]).toBeLessThan(0.05);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('asks again at another threshold and draws the masks the API gives there', async () => {
    await setShown(page, Array(await page.locator('#segments input').count()).fill(true));
    await page.locator('#threshold').fill('0.1');
    await page.locator('#canvas[data-threshold="0.1"]').waitFor({ timeout: 60_000 });
    expect(await settled(page, 'segment-view', 'loading', 60_000)).toBe('ready');

    const targets = await apiTargets(stack.graphqlUrl, 0.1);
    const before = await apiTargets(stack.graphqlUrl, 0.5);
    const shown = targets.map(() => true);
    const drawn = await canvasShot(page);
    await setShown(page, targets.map(() => false));
    const base = await canvasShot(page);
    const result = compare(drawn, base, targets, shown, await sampleSize());
    result.own.forEach((share) => expect(share).toBeGreaterThanOrEqual(0.95));
    expect(result.outside).toBeGreaterThanOrEqual(0.999);

    // The pixels whose mask the threshold changed are drawn as the new masks say.
    const changed = [...result.matches.keys()].filter((p) => result.matches[p] !== 255
      && targets.some((t, i) => t.mask[p] !== before[i].mask[p]));
    const redrawn = changed.filter((p) => result.matches[p] === 1).length;
    console.info(`playground: threshold 0.5 → 0.1 changed ${changed.length} mask pixels, `
      + `${redrawn} drawn as the new masks say`);
    expect(changed.length).toBeGreaterThan(0);
    expect(redrawn / changed.length).toBeGreaterThanOrEqual(0.95);
    expect(pageErrors).toEqual([]);
  });

  it.runIf(!HAS_STORY)('shows why a story failed when the story bundle is absent', async () => {
    await page.click('#create-story');
    expect(await settled(page, 'story-view', 'running', 60_000)).toBe('error');
    const id = (await page.locator('#story-log li').first().textContent())?.split(' ')[1];
    const { data } = await graphql(stack.graphqlUrl,
      'query ($id: ID!) { story(id: $id) { status error { code message } } }', { id });
    expect(data?.story.status).toBe('FAILED');
    const status = await page.textContent('#story-status');
    expect(status).toContain(data?.story.error.message);
    expect(status).toContain(`(${data?.story.error.code})`);
    expect(pageErrors).toEqual([]);
  });

  it.runIf(HAS_STORY)('shows keyframes, the comic page and the video as they arrive', async () => {
    await page.fill('#panels', 'waving in the park | Morning.\nrunning on the beach');
    await page.fill('#frames-between', '1');
    await page.fill('#steps', '4');
    await page.click('#create-story');
    expect(await settled(page, 'story-view', 'running', 300_000)).toBe('done');
    expect(await page.textContent('#story-status')).toMatch(/^Completed/);
    const loaded = (selector: string) => page.locator(selector)
      .evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
    expect((await loaded('#keyframes img')).length).toBe(2);
    for (const selector of ['#keyframes img', '#frame', '#page', '#video']) {
      await expect.poll(async () => Math.min(...await loaded(selector))).toBeGreaterThan(0);
    }
    expect(pageErrors).toEqual([]);
  }, 360_000);

  it('reads an image from a file input and draws its masks at the image\'s shape', async () => {
    const other = SAMPLES[1];
    await page.setInputFiles('#file', join(ROOT, 'test', 'fixtures', 'pixel-heldout', other.name));
    await page.locator(`#canvas[data-image="${other.name}"]`).waitFor();
    await page.fill('#question', other.question);
    await page.locator('#threshold').fill('0.5');
    await page.click('#ask');
    expect(await settled(page, 'segment-view', 'loading', 90_000)).toBe('ready');
    const shown = await page.locator('#segments input').count();
    expect(shown).toBeGreaterThan(0);

    const drawn = await canvasShot(page);
    await setShown(page, Array(shown).fill(false));
    const base = await canvasShot(page);
    const id = createHash('sha256').update(sampleBytes(other.name)!).digest('hex');
    const result = await graphql(stack.graphqlUrl, SEGMENT, { id, q: other.question, t: 0.5 });
    const segments = result.data!.segment.segments as Array<{
      label: string; mask: { size: [number, number]; counts: string };
    }>;
    const targets = segments.map((s) => ({ label: s.label, mask: decodeRle(s.mask).data }));
    const compared = compare(drawn, base, targets, targets.map(() => true), segments[0].mask.size);
    expect([drawn.width, drawn.height]).toEqual([512, 384]);
    compared.own.forEach((share) => expect(share).toBeGreaterThanOrEqual(0.95));
    expect(compared.outside).toBeGreaterThanOrEqual(0.999);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('renders story events as they stream in, and resumes a dropped stream after the last one',
    async () => {
      // The story bundle may be absent here, so this browser page gets its GraphQL answers from
      // a route of its own: one createStory, then storyEvents over SSE that drop after 3 events.
      const view = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      view.on('pageerror', (error) => errors.push(error.message));
      const file = `${stack.edgeUrl}/playground/samples/${SAMPLE.name}`;
      const events = [
        { __typename: 'StoryProgressEvent', stage: 'panels', step: 1, of: 2 },
        { __typename: 'KeyframeEvent', keyframe: { index: 0, url: file, caption: 'Morning.' } },
        { __typename: 'KeyframeEvent', keyframe: { index: 1, url: file, caption: null } },
        { __typename: 'FrameEvent', index: 0, url: file },
        { __typename: 'StoryCompletedEvent', story: { status: 'COMPLETED',
          page: { url: file }, video: { url: file, frames: 1, fps: 8 },
          timings: { firstKeyframeMs: 5, totalMs: 900 } } },
      ].map((e, i) => ({ seq: i + 1, ...e }));
      const afters: number[] = [];
      await view.route('**/graphql', async (route) => {
        const { query, variables } = route.request().postDataJSON();
        if (query.includes('createStory')) {
          const story = { id: 's-1', status: 'QUEUED' };
          return route.fulfill({ json: { data: { createStory: story } } });
        }
        afters.push(variables.after);
        const sse = (e: object) =>
          `event: next\ndata: ${JSON.stringify({ data: { storyEvents: e } })}\n\n`;
        const body = variables.after === 0
          ? events.slice(0, 3).map(sse).join('')
          : `:\n\n${events.slice(variables.after).map(sse).join('')}event: complete\ndata:\n\n`;
        return route.fulfill({ headers: { 'content-type': 'text/event-stream' }, body });
      });
      await view.goto(`${stack.edgeUrl}/playground`);
      await view.click('#create-story');
      expect(await settled(view, 'story-view', 'running', 30_000)).toBe('done');

      expect(afters).toEqual([0, 3]);
      expect(await view.textContent('#story-status')).toBe(
        'Completed 0.9 s: keyframes, comic page and video.');
      expect(await view.locator('#keyframes figcaption').allTextContents())
        .toEqual(['1. Morning.', '2. ']);
      for (const selector of ['#keyframes img', '#frame', '#page', '#video']) {
        await expect.poll(() => view.locator(selector).evaluateAll((imgs) =>
          imgs.map((img) => (img as HTMLImageElement).naturalWidth))).not.toContain(0);
      }
      expect(await view.locator('#story-log li').allTextContents()).toEqual([
        'story s-1 QUEUED', '#2 keyframe 0', '#3 keyframe 1',
        'stream dropped (The event stream ended before the subscription completed.); '
          + 'resuming after #3',
        '#4 frame 0', '#5 completed']);
      expect(errors).toEqual([]);
      await view.close();
    });
});
