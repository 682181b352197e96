/**
 * Writes the printed SDL to `schema/schema.graphql`.
 * Usage: `npx tsx schema/src/print-schema.ts` (or `--check` to fail when it is out of date).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from './schema';

const target = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const sdl = `${printSchema(schema)}\n`;

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== sdl) {
    console.error('schema/schema.graphql is out of date: run npx tsx schema/src/print-schema.ts');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date');
} else {
  writeFileSync(target, sdl);
  console.log(`wrote ${target}`);
}
