/**
 * GraphQL over HTTP conformance of the Worker: graphql-http's server audit suite against the
 * edge under `wrangler dev` (real workerd). Every MUST audit has to pass; the SHOULD and MAY
 * audits are counted and their reasons printed, so a change in them shows in the test output.
 * The audits send only `{ __typename }`-style operations, so no gpu-service is needed.
 */
import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../../edge/test/worker-process';

const PORT = 8861;
/** Nothing listens here; the audited operations never reach the gpu-service. */
const NO_GPU = 'http://127.0.0.1:8869';

let edge: TestEdge;

beforeAll(async () => {
  edge = await startTestEdge({ port: PORT, gpuUrl: NO_GPU, seed: false });
});

afterAll(async () => {
  await edge?.stop();
});

type Level = 'MUST' | 'SHOULD' | 'MAY';

interface Tally {
  ok: number;
  notice: number;
  warn: number;
  error: number;
}

function levelOf(result: AuditResult): Level {
  return result.name.split(' ', 1)[0] as Level;
}

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  it('passes every MUST audit', async () => {
    const audits = serverAudits({ url: edge.graphqlUrl, fetchFn: fetch });
    const results: AuditResult[] = [];
    // One at a time: the Worker runs on a busy two-core machine.
    for (const audit of audits) results.push(await audit.fn());

    const tally: Record<Level, Tally> = {
      MUST: { ok: 0, notice: 0, warn: 0, error: 0 },
      SHOULD: { ok: 0, notice: 0, warn: 0, error: 0 },
      MAY: { ok: 0, notice: 0, warn: 0, error: 0 },
    };
    const failed: string[] = [];
    for (const result of results) {
      tally[levelOf(result)][result.status] += 1;
      if (result.status !== 'ok') failed.push(`${result.status} ${result.name}: ${result.reason}`);
    }
    const line = (level: Level) => `${level} ${tally[level].ok} pass, `
      + `${tally[level].warn + tally[level].notice} warn, ${tally[level].error} fail`;
    console.log(`graphql-http audits (${results.length}): ${line('MUST')}; ${line('SHOULD')}; `
      + `${line('MAY')}${failed.length ? `\n  ${failed.join('\n  ')}` : ''}`);

    const mustFailures = results.filter((r) => levelOf(r) === 'MUST' && r.status !== 'ok')
      .map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(mustFailures).toEqual([]);
    // graphql-http 1.23 runs 13 MUST audits; fewer would mean some did not run.
    expect(tally.MUST.ok).toBeGreaterThanOrEqual(13);
  }, 180_000);
});
