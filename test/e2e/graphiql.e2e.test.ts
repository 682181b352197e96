/**
 * GraphiQL in a real browser (Debian's Chromium, driven by playwright-core) against the Worker
 * in workerd: it loads with every request going to the edge only, opens the example tabs with
 * their variables, and runs an example operation from its tab.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../../edge/test/worker-process';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const NO_CHROMIUM = `needs Chromium at ${CHROMIUM} (apt-get install chromium)`;
const PORT = 8867;
/** Nothing listens here; the operations run from GraphiQL do not reach the gpu-service. */
const NO_GPU = 'http://127.0.0.1:8869';

let edge: TestEdge;
let browser: Browser;
let page: Page;
/** Requests the page made to anywhere but the edge (refused). */
const outside: string[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  edge = await startTestEdge({ port: PORT, gpuUrl: NO_GPU, seed: false });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage();
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(edge.url) || /^(data|blob):/.test(url)) return route.continue();
    outside.push(url);
    return route.abort();
  });
  await page.goto(edge.graphqlUrl);
  await page.getByTestId('graphiql-container').waitFor({ timeout: 60_000 });
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
});

/** The text of the visible CodeMirror editor inside `selector`. */
async function editorText(selector: string): Promise<string> {
  return page.locator(`${selector} .CodeMirror`).first()
    .evaluate((el) => (el as unknown as { CodeMirror: { getValue(): string } })
      .CodeMirror.getValue());
}

describe.skipIf(!HAS_CHROMIUM)('GraphiQL in Chromium', () => {
  it('opens the example tabs, the first with its variables, fetching nothing from outside',
    async () => {
      await expect.poll(async () => page.locator('.graphiql-tab-button').allTextContents())
        .toEqual(['Segment', 'CreateStory', 'Stories']);
      expect(await editorText('.graphiql-query-editor')).toContain('query Segment(');
      const variables = JSON.parse(await editorText('.graphiql-editor-tool'));
      expect(variables).toMatchObject({ question: 'where are the red shapes?' });
      expect(outside).toEqual([]);
    });

  it('runs the operation under the cursor in the Stories tab', async () => {
    await page.getByRole('tab', { name: 'Stories' }).click();
    await page.locator('.graphiql-query-editor .CodeMirror-line',
      { hasText: 'stories(first' }).click();
    // GraphiQL picks the operation under the cursor after a debounce: until then it may still
    // name the first tab's operation, so run again until the Stories result shows.
    await expect.poll(async () => {
      await page.keyboard.press('Control+Enter');
      await page.waitForTimeout(500);
      return page.locator('.result-window').innerText();
    }, { timeout: 30_000 }).toContain('"hasNextPage"');
    const result = JSON.parse(await editorText('.result-window')) as {
      data?: { stories: { edges: unknown[] } }; errors?: unknown };
    expect(result.errors).toBeUndefined();
    expect(result.data?.stories.edges).toEqual([]);
    expect(outside).toEqual([]);
  });
});

if (!HAS_CHROMIUM) it.skip(`GraphiQL in Chromium ${NO_CHROMIUM}`, () => {});
