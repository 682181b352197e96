import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { KeyRecord } from './api-keys';
import { missingScopes, scopeOfField } from './scopes';

const key = (scopes: KeyRecord['scopes']): KeyRecord => ({ id: 'k', scopes, ratePerMinute: 60,
  created: '2026-12-04T00:00:00.000Z' });

describe('scopes', () => {
  it('maps root fields to scopes', () => {
    expect(scopeOfField('segment')).toBe('segment');
    expect(scopeOfField('uploadImage')).toBe('segment');
    expect(scopeOfField('createStory')).toBe('story');
    expect(scopeOfField('storyEvents')).toBe('story');
    expect(scopeOfField('stories')).toBe('story');
    expect(scopeOfField('node')).toBe('story');
    expect(scopeOfField('nodes')).toBe('story');
    expect(scopeOfField('__schema')).toBeNull();
  });

  it('finds root fields through fragments and picks the named operation', () => {
    const doc = parse(`query A { ...F } query B { __typename }
      fragment F on Query { image(id: "x") { id } story(id: "y") { id } }`);
    expect(missingScopes(doc, 'A', key(['segment']))).toEqual(['story']);
    expect(missingScopes(doc, 'A', key(['story']))).toEqual(['segment']);
    expect(missingScopes(doc, 'B', key([]))).toEqual([]);
    expect(missingScopes(doc, 'A', key(['segment', 'story']))).toEqual([]);
  });
});
