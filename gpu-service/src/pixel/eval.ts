/**
 * `npm run eval:pixel [-- --bundle DIR --baseline DIR|none --data FILE --images DIR --limit N
 *   --ep cpu|cuda --json]`
 *
 * Runs a pixel bundle (default: pixel-ref) and the single-[SEG] baseline (default:
 * pixel-ref-lisa) through the TypeScript pipeline on a MUSE-format file (default: the held-out
 * set) and prints gIoU / cIoU by question family and by number of targets, the exact-answer
 * rate and the none-question accuracy. With --json the last line is one JSON object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { evaluateRecords } from './evaluate.js';
import type { EvalReport, Summary } from './metrics.js';
import { loadMuse } from './muse.js';
import { PixelPipeline } from './pipeline.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const USAGE = 'usage: npm run eval:pixel -- [--bundle DIR] [--baseline DIR|none] [--data FILE] '
  + '[--images DIR] [--limit N] [--ep cpu|cuda] [--json]';

interface Args {
  bundle: string;
  baseline: string | null;
  data: string;
  images?: string;
  limit?: number;
  ep: 'cpu' | 'cuda';
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    bundle: join(ROOT, 'gpu-service/models/pixel-ref'),
    baseline: join(ROOT, 'gpu-service/models/pixel-ref-lisa'),
    data: join(ROOT, 'test/fixtures/pixel-heldout/muse.json'),
    ep: 'cpu',
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value; ${USAGE}`);
      return v;
    };
    if (a === '--bundle') args.bundle = resolve(value());
    else if (a === '--baseline') {
      const v = value();
      args.baseline = v === 'none' ? null : resolve(v);
    }
    else if (a === '--data') args.data = resolve(value());
    else if (a === '--images') args.images = resolve(value());
    else if (a === '--limit') args.limit = Number(value());
    else if (a === '--ep') {
      const v = value();
      if (v !== 'cpu' && v !== 'cuda') throw new Error(`--ep must be cpu or cuda; ${USAGE}`);
      args.ep = v;
    } else if (a === '--json') args.json = true;
    else if (a === '--help' || a === '-h') { process.stdout.write(`${USAGE}\n`); process.exit(0); }
    else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  return args;
}

const pct = (x: number) => x.toFixed(3);

function table(title: string, rows: Record<string, Summary>): string {
  const head = `${'gIoU'.padStart(6)} ${'cIoU'.padStart(6)} ${'n'.padStart(5)}`;
  const lines = [`  ${title.padEnd(14)} ${head}`];
  for (const [k, v] of Object.entries(rows)) {
    lines.push(`  ${k.padEnd(14)} ${pct(v.gIoU).padStart(6)} ${pct(v.cIoU).padStart(6)} `
      + `${String(v.count).padStart(5)}`);
  }
  return lines.join('\n');
}

function printReport(name: string, version: string, r: EvalReport & { seconds: number }): void {
  const none = r.noneAccuracy === null ? 'n/a' : pct(r.noneAccuracy);
  process.stdout.write(`\n${name} (${version}): gIoU ${pct(r.gIoU)}  cIoU ${pct(r.cIoU)}  `
    + `exact answers ${pct(r.exactAnswer)}  none accuracy ${none}  `
    + `${r.count} questions in ${r.seconds.toFixed(1)} s\n`);
  process.stdout.write(`${table('family', r.byFamily)}\n${table('targets', r.byTargets)}\n`);
}

/** gIoU that the PyTorch eval wrote into the bundle, when it did. */
function pythonGIoU(dir: string): number | null {
  const file = join(dir, 'eval-python.json');
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { gIoU: number }).gIoU;
}

async function run(dir: string, args: Args) {
  const pipeline = await PixelPipeline.load(dir, { executionProvider: args.ep });
  const records = await loadMuse(args.data, args.images);
  const report = await evaluateRecords(pipeline, records, { limit: args.limit });
  await pipeline.release();
  return { name: pipeline.manifest.name, version: pipeline.manifest.version, report };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const main = await run(args.bundle, args);
  printReport(main.name, main.version, main.report);
  let baseline: Awaited<ReturnType<typeof run>> | null = null;
  if (args.baseline && existsSync(join(args.baseline, 'manifest.json'))) {
    baseline = await run(args.baseline, args);
    printReport(`${baseline.name} (single [SEG] baseline)`, baseline.version, baseline.report);
    const a = main.report.byTargets['3+']?.gIoU;
    const b = baseline.report.byTargets['3+']?.gIoU;
    if (a !== undefined && b !== undefined) {
      process.stdout.write(`\n≥3 targets: ${pct(a)} vs ${pct(b)} `
        + `(${b > 0 ? (a / b).toFixed(2) : '∞'}×)\n`);
    }
  }
  const python = pythonGIoU(args.bundle);
  if (python !== null) {
    process.stdout.write(`PyTorch eval of the same checkpoint (eval-python.json): gIoU `
      + `${pct(python)}\n`);
  }
  if (args.json) {
    const out = {
      bundle: main.name, version: main.version, data: args.data, ...main.report,
      baseline: baseline ? { bundle: baseline.name, version: baseline.version,
        ...baseline.report, pythonGIoU: pythonGIoU(args.baseline as string) } : null,
      pythonGIoU: python,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
}

main().catch((error: unknown) => {
  const e = error as { code?: string; message?: string };
  process.stderr.write(`eval:pixel failed${e.code ? ` (${e.code})` : ''}: ${e.message ?? error}\n`);
  process.exit(1);
});
