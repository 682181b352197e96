import { describe, expect, it } from 'vitest';
import { createLogger, isLogLevel } from './logger.js';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: Array<{ level: string; line: Record<string, unknown> }> = [];
  const logger = createLogger({
    level,
    fields: { service: 'test' },
    now: () => new Date('2026-12-04T16:00:00Z'),
    write: (line, at) => lines.push({ level: at, line: JSON.parse(line) }),
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with time, level, message and fields', () => {
    const { logger, lines } = capture();
    logger.info('listening', { url: 'http://127.0.0.1:8790' });
    expect(lines).toEqual([{
      level: 'info',
      line: {
        time: '2026-12-04T16:00:00.000Z', level: 'info', msg: 'listening',
        service: 'test', url: 'http://127.0.0.1:8790',
      },
    }]);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('warn');
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(lines.map((l) => l.line.msg)).toEqual(['c', 'd']);
  });

  it('binds fields in a child and serialises errors', () => {
    const { logger, lines } = capture('debug');
    const error = Object.assign(new Error('bad frame'), { code: 'BAD_REQUEST' });
    logger.child({ requestId: 'r1' }).error('failed', { error });
    expect(lines[0].line).toMatchObject({
      level: 'error', msg: 'failed', service: 'test', requestId: 'r1',
      error: { name: 'Error', message: 'bad frame', code: 'BAD_REQUEST' },
    });
    expect(String((lines[0].line.error as { stack: string }).stack)).toMatch(/bad frame/);
  });

  it('recognises level names', () => {
    expect(['debug', 'info', 'warn', 'error', 'trace', 3].map(isLogLevel))
      .toEqual([true, true, true, true, false, false]);
  });
});
