/**
 * The `pixloom` CLI: its command line, its progress bar, and `pixloom segment` run as a real
 * process against a local stack (gpu-service + wrangler dev, started with startStack on ports
 * 8846–8847), its masks checked against what the API says about them; `pixloom story` on the
 * same stack when the story-ref bundle is there too.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rleArea, rleBbox } from '../shared/src/rle.js';
import { ROOT, type Stack, startStack } from '../scripts/start.js';
import { parseArgs, UsageError } from './cli/args.js';
import { ProgressBar, renderBar } from './cli/progress.js';
import type { SegmentResult } from './cli/segment.js';
import { type CompletedStory, expectedSteps } from './cli/story.js';
import { type Io, run } from './pixloom.js';

const MODELS_DIR = process.env.PIXLOOM_MODELS_DIR ?? join(ROOT, 'gpu-service', 'models');
const HAVE_BUNDLE = existsSync(join(MODELS_DIR, 'pixel-ref', 'manifest.json'));
const HAVE_STORY = existsSync(join(MODELS_DIR, 'story-ref', 'manifest.json'));
const SCENE = join(ROOT, 'test', 'fixtures', 'pixel-heldout', 'scene-000.png');

/** An Io that keeps what was written. */
function capture(env: Record<string, string> = {}): Io & { out: string; err: string } {
  const io = {
    out: '', err: '', env,
    stdout: { write: (t: string) => (io.out += t) },
    stderr: { write: (t: string) => (io.err += t) },
  };
  return io;
}

/** Runs `node bin/pixloom.mjs …` as a child process. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'pixloom.mjs'), ...args],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pixloom command line', () => {
  it('splits words and options', () => {
    const args = parseArgs(['a.png', '--format', 'png', 'what?', '--json', '--url=http://x/g'],
      ['format', 'url'], ['json']);
    expect(args.positional).toEqual(['a.png', 'what?']);
    expect(Object.fromEntries(args.options)).toEqual({ format: 'png', json: true,
      url: 'http://x/g' });
    expect(() => parseArgs(['--colour', 'red'], ['url'], ['json']))
      .toThrow(new UsageError('Unknown option --colour; this command takes --url, --json.'));
    expect(() => parseArgs(['--url'], ['url'], [])).toThrow('--url needs a value.');
  });

  it('answers a wrong command line with exit code 2 and the usage', async () => {
    const io = capture();
    expect(await run(['segment', 'only-one'], io)).toBe(2);
    expect(io.err).toMatch(/^pixloom: segment takes an image file and a question/);
    expect(io.err).toContain('Usage:');
    const format = capture();
    expect(await run(['segment', 'a.png', 'q', '--format', 'jpeg'], format)).toBe(2);
    expect(format.err).toMatch(/--format jpeg is not a mask format; use rle, png or polygon/);
    const frames = capture();
    expect(await run(['story', 'a kid', 'waving', '--frames', '-1'], frames)).toBe(2);
    expect(frames.err).toMatch(/--frames -1 is not usable: give a whole number from 0 to 64/);
    expect(await run(['paint'], capture())).toBe(2);
  });

  it('says how to fix an unreachable URL and an unreadable file, exit code 1', async () => {
    const io = capture({ PIXLOOM_URL: 'http://127.0.0.1:8849/graphql' });
    expect(await run(['segment', SCENE, 'what is red?'], io)).toBe(1);
    expect(io.err).toMatch(
      /^pixloom: UNREACHABLE: Cannot reach http:\/\/127\.0\.0\.1:8849\/graphql/);
    expect(io.err).toMatch(/pass --url/);
    const missing = capture();
    expect(await run(['segment', '/nonexistent/a.png', 'q', '--url', 'http://127.0.0.1:8849/g'],
      missing)).toBe(1);
    expect(missing.err).toBe('pixloom: FILE_UNREADABLE: Cannot read /nonexistent/a.png (ENOENT); '
      + 'give the path of a PNG, JPEG or WebP file.\n');
  });

  it('draws the progress bar in place on a terminal and by stage otherwise', () => {
    expect(renderBar(3, 12, 'keyframe 3/3', 12)).toBe('[###.........]  25% keyframe 3/3');
    expect(renderBar(20, 10, 'done', 4)).toBe('[####] 100% done');
    expect(expectedSteps(3, 4)).toBe(3 + 2 * 4 + 2);

    let tty = '';
    const bar = new ProgressBar({ write: (t: string) => (tty += t), isTTY: true, columns: 41 }, 4);
    bar.update(1, 'keyframe', '1/2');
    bar.update(2, 'keyframe', '2/2');
    bar.finish();
    expect(tty.split('\r').slice(1).map((l) => l.trimEnd())).toEqual([
      '[########......................]  25% ke',
      '[###############...............]  50% ke',
    ]);
    expect(tty.endsWith('\n')).toBe(true);

    let log = '';
    const plain = new ProgressBar({ write: (t: string) => (log += t) }, 4);
    plain.update(0, 'identity', '1/25');
    plain.update(0, 'identity', '2/25');
    plain.update(1, 'keyframe', '1/2');
    expect(log.split('\n').filter(Boolean)).toEqual([
      '[..............................]   0% identity 1/25',
      '[########......................]  25% keyframe 1/2',
    ]);
  });
});

describe.skipIf(!HAVE_BUNDLE)('pixloom segment against a local stack (needs pixel-ref)', () => {
  let stack: Stack;
  const state = mkdtempSync(join(tmpdir(), 'pixloom-cli-'));

  beforeAll(async () => {
    stack = await startStack({ edgePort: 8846, gpuPort: 8847, modelsDir: MODELS_DIR,
      persistTo: join(state, 'state') });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('prints the answer and COCO RLE masks as JSON, each mask matching its area and box',
    async () => {
      const { code, stdout, stderr } = await cli(['segment', SCENE, 'highlight all red things',
        '--url', stack.graphqlUrl, '--json']);
      expect([code, stderr]).toEqual([0, '']);
      const result = JSON.parse(stdout) as SegmentResult;
      expect(result.imageId).toMatch(/^[0-9a-f]{64}$/);
      expect(result.model.name).toBe('pixel-ref');
      expect(result.answer.length).toBeGreaterThan(0);
      expect(result.segments.length).toBeGreaterThan(0);
      for (const s of result.segments) {
        expect(s.mask.__typename).toBe('RleMask');
        if (s.mask.__typename !== 'RleMask') continue;
        expect(s.mask.size).toEqual([64, 64]);
        expect(rleArea(s.mask)).toBe(s.area);
        if (s.bbox) {
          expect(rleBbox(s.mask)).toEqual([s.bbox.x, s.bbox.y, s.bbox.width, s.bbox.height]);
        }
      }
    });

  it('prints lines with PNG mask URLs that the edge serves as PNG', async () => {
    const { code, stdout } = await cli(['segment', SCENE, 'show every triangle',
      '--url', stack.graphqlUrl, '--format', 'png']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^answer: \S/);
    expect(lines[1]).toMatch(/^model: pixel-ref pixel-ref-\S+; image [0-9a-f]{12}…; cached /);
    const urls = [...stdout.matchAll(/png 64×64 (http:\/\/127\.0\.0\.1:8846\/\S+\.png)/g)]
      .map((m) => m[1]);
    expect(urls.length).toBe(lines.filter((l) => /^\d+\. /.test(l)).length);
    expect(urls.length).toBeGreaterThan(0);
    const res = await fetch(urls[0]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  });

  it('prints polygons, and the cached answer on a repeat', async () => {
    const first = capture();
    const args = ['segment', SCENE, 'count the stars', '--url', stack.graphqlUrl,
      '--format', 'polygon'];
    expect(await run(args, first)).toBe(0);
    expect(first.out).toMatch(/\n {3}polygon \d+ ring\(s\), \d+ points: [\d.,]+/);
    const again = capture();
    expect(await run(args, again)).toBe(0);
    expect(again.out).toMatch(/cached answer true, features true/);
  });

  it.skipIf(!HAVE_STORY)('tells a story with a progress bar and prints its files (story-ref)',
    async () => {
      const { code, stdout, stderr } = await cli(['story', 'a kid in a red shirt',
        'waving in the park', 'sitting on the beach', '--frames', '1', '--seed', '7',
        '--url', stack.graphqlUrl, '--json']);
      expect(code).toBe(0);
      const story = JSON.parse(stdout) as CompletedStory;
      expect(story.status).toBe('COMPLETED');
      expect(story.timings?.seed).toBe(7);
      expect(story.keyframes.map((k) => k.index)).toEqual([0, 1]);
      const lines = stderr.trim().split('\n');
      expect(lines[0]).toBe(`story ${story.id}`);
      expect(lines.at(-1)).toMatch(/^\[#{30}\] 100% completed$/);
      expect(lines.some((l) => / keyframe 1\/2$/.test(l))).toBe(true);
      const files = [[story.keyframes[1].url, 'image/png'], [story.page!.url, 'image/png'],
        [story.video!.url, 'image/webp']];
      for (const [url, type] of files) {
        const res = await fetch(url);
        await res.arrayBuffer();
        expect([url, res.status, res.headers.get('content-type')]).toEqual([url, 200, type]);
      }
    });
});
