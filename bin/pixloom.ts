/**
 * `npx pixloom`: the pixloom API from scripts and the terminal.
 *
 *   pixloom segment <image> "<question>" [--format rle|png|polygon] [--json]
 *   pixloom story "<character>" "<panel>" … [--frames N] [--seed N] [--json]
 *
 * Both take `--url` (default $PIXLOOM_URL or http://127.0.0.1:8787/graphql, what `npm start`
 * serves) and `--key` (default $PIXLOOM_API_KEY) for deployments that need an API key. Exit
 * codes: 0 done, 1 the API refused or failed the call, 2 the command line is wrong.
 */
import { pathToFileURL } from 'node:url';
import { intOption, parseArgs, stringOption, UsageError } from './cli/args.js';
import { ApiError, type Endpoint } from './cli/graphql.js';
import { formatSegmentation, MASK_FORMATS, type MaskFormatName, segment } from './cli/segment.js';
import { formatStory, tellStory } from './cli/story.js';

export const USAGE = `Usage:
  pixloom segment <image> "<question>" [--format rle|png|polygon] [--json]
  pixloom story "<character>" "<panel>" ["<panel>" …] [--frames N] [--seed N] [--json]

Options:
  --url URL    GraphQL URL (default $PIXLOOM_URL or http://127.0.0.1:8787/graphql)
  --key KEY    API key pxl_… (default $PIXLOOM_API_KEY)
  --format F   segment: mask encoding, rle (COCO RLE, default), png (a URL) or polygon
  --frames N   story: video frames between consecutive keyframes
  --seed N     story: seed of the noise and of the attention sampling
  --json       print the result as JSON instead of lines`;

export const DEFAULT_URL = 'http://127.0.0.1:8787/graphql';

export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
}

function endpointOf(args: ReturnType<typeof parseArgs>, env: Io['env']): Endpoint {
  const url = stringOption(args, 'url', env.PIXLOOM_URL || DEFAULT_URL);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url ${url} is not a URL; give the GraphQL URL, e.g. ${DEFAULT_URL}.`);
  }
  const key = stringOption(args, 'key', env.PIXLOOM_API_KEY ?? '');
  return { url, ...(key ? { apiKey: key } : {}) };
}

async function segmentCommand(argv: string[], io: Io): Promise<void> {
  const args = parseArgs(argv, ['url', 'key', 'format'], ['json']);
  if (args.positional.length !== 2) {
    throw new UsageError('segment takes an image file and a question: '
      + 'pixloom segment img.png "what is red?"');
  }
  const format = stringOption(args, 'format', 'rle').toLowerCase() as MaskFormatName;
  if (!MASK_FORMATS.includes(format)) {
    throw new UsageError(`--format ${format} is not a mask format; use rle, png or polygon.`);
  }
  const [path, question] = args.positional;
  const result = await segment(endpointOf(args, io.env), path, question, format);
  io.stdout.write(args.options.has('json') ? `${JSON.stringify(result, null, 2)}\n`
    : `${formatSegmentation(result).join('\n')}\n`);
}

async function storyCommand(argv: string[], io: Io): Promise<void> {
  const args = parseArgs(argv, ['url', 'key', 'frames', 'seed'], ['json']);
  const [character, ...panels] = args.positional;
  if (!character || panels.length === 0) {
    throw new UsageError('story takes a character and one or more panels: pixloom story '
      + '"a girl in a red shirt" "waving in the park" "running on the beach"');
  }
  const story = await tellStory(endpointOf(args, io.env), {
    character, panels,
    framesBetween: intOption(args, 'frames', undefined, 0, 64),
    seed: intOption(args, 'seed', undefined, 0, 2 ** 31 - 1),
  }, io.stderr);
  io.stdout.write(args.options.has('json') ? `${JSON.stringify(story, null, 2)}\n`
    : `${formatStory(story).join('\n')}\n`);
}

/** Runs one command line; resolves with the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'segment') await segmentCommand(rest, io);
    else if (command === 'story') await storyCommand(rest, io);
    else if (command === undefined || command === 'help' || command === '--help') {
      io.stdout.write(`${USAGE}\n`);
    } else {
      throw new UsageError(`Unknown command ${command}; use segment or story.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`pixloom: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ApiError) {
      io.stderr.write(`pixloom: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

const entry = process.argv[1];
const launched = entry && (pathToFileURL(entry).href === import.meta.url
  || entry.endsWith('pixloom.mjs') || entry.endsWith('/.bin/pixloom'));
if (launched) {
  process.exitCode = await run(process.argv.slice(2), process);
}
