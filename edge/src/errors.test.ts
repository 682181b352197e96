import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PixloomError } from '../../shared/src/errors';
import { createLogger } from '../../shared/src/logger';
import { createMaskError } from './errors';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line)) });
  return { lines, maskError: createMaskError(logger) };
}

describe('createMaskError', () => {
  it('keeps a PixloomError message and gives it its code', () => {
    const { lines, maskError } = capture();
    const original = new PixloomError('IMAGE_TOO_LARGE', 'The image is too big; downscale it.');
    const wrapped = new GraphQLError(original.message,
      { path: ['segment'], originalError: original });
    const masked = maskError(wrapped) as GraphQLError;
    expect(masked.message).toBe('The image is too big; downscale it.');
    expect(masked.extensions).toEqual({ code: 'IMAGE_TOO_LARGE' });
    expect(masked.path).toEqual(['segment']);
    expect(lines).toEqual([]);
  });

  it("passes GraphQL's own errors as they are", () => {
    const { maskError } = capture();
    const syntax = new GraphQLError('Syntax Error: Expected Name, found <EOF>.');
    expect(maskError(syntax)).toBe(syntax);
  });

  it('masks anything else and logs it under the id the client sees', () => {
    const { lines, maskError } = capture();
    const wrapped = new GraphQLError('boom', { path: ['segment', 'segments', 0, 'mask'],
      originalError: new TypeError('cannot read properties of undefined') });
    const masked = maskError(wrapped) as GraphQLError;
    const errorId = masked.extensions.errorId as string;
    expect(masked.message).toBe(`Unexpected error; it was logged as ${errorId}. Retry, and `
      + 'report the id if it happens again.');
    expect(masked.extensions.code).toBe('INTERNAL');
    expect(masked.message).not.toContain('cannot read');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'unexpected error', errorId,
      error: { name: 'TypeError', message: 'cannot read properties of undefined' } });
  });
});
