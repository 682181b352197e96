import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PixloomError } from '../../shared/src/errors';
import { codeOf, createMaskError, errorIdOf, logLevelOf, originalOf } from './errors';

describe('createMaskError', () => {
  it('keeps a PixloomError message and gives it its code', () => {
    const original = new PixloomError('IMAGE_TOO_LARGE', 'The image is too big; downscale it.');
    const wrapped = new GraphQLError(original.message,
      { path: ['segment'], originalError: original });
    const masked = createMaskError()(wrapped) as GraphQLError;
    expect(masked.message).toBe('The image is too big; downscale it.');
    expect(masked.extensions).toEqual({ code: 'IMAGE_TOO_LARGE' });
    expect(masked.path).toEqual(['segment']);
    expect(masked.originalError).toBeUndefined();
    expect(originalOf(masked)).toBe(original);
  });

  it("passes GraphQL's own errors as they are", () => {
    const syntax = new GraphQLError('Syntax Error: Expected Name, found <EOF>.');
    expect(createMaskError()(syntax)).toBe(syntax);
  });

  it('masks anything else under the id the client sees, the same id for the same error', () => {
    const original = new TypeError('cannot read properties of undefined');
    const wrapped = new GraphQLError('boom', { path: ['segment', 'segments', 0, 'mask'],
      originalError: original });
    const masked = createMaskError()(wrapped) as GraphQLError;
    const errorId = masked.extensions.errorId as string;
    expect(masked.message).toBe(`Unexpected error; it was logged as ${errorId}. Retry, and `
      + 'report the id if it happens again.');
    expect(masked.extensions.code).toBe('INTERNAL');
    expect(masked.message).not.toContain('cannot read');
    expect(errorIdOf(original)).toBe(errorId);
    expect(originalOf(masked)).toBe(original);
  });
});

describe('codes and log levels', () => {
  it('reads the code of raw and masked errors', () => {
    const busy = new PixloomError('BUSY', 'The gpu-service is busy; retry after 7 s.');
    expect(codeOf(new GraphQLError(busy.message, { originalError: busy }))).toBe('BUSY');
    expect(codeOf(new GraphQLError('Cannot query field "nope" on type "Query".')))
      .toBe('BAD_REQUEST');
    expect(codeOf(new GraphQLError('x', { extensions: { code: 'FORBIDDEN' } })))
      .toBe('FORBIDDEN');
    expect(codeOf(new GraphQLError('x', { originalError: new RangeError('deep') })))
      .toBe('INTERNAL');
  });

  it('logs calls to fix at info, capacity at warn, unexpected errors at error', () => {
    expect(['BAD_REQUEST', 'BAD_IMAGE', 'UNAUTHENTICATED', 'FORBIDDEN', 'QUERY_TOO_COMPLEX']
      .map(logLevelOf)).toEqual(['info', 'info', 'info', 'info', 'info']);
    expect(['BUSY', 'RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT'].map(logLevelOf))
      .toEqual(['warn', 'warn', 'warn', 'warn']);
    expect(logLevelOf('INTERNAL')).toBe('error');
  });
});
