import { describe, expect, it } from 'vitest';
import { isPixloomError } from './errors';
import { hasVisibleText, visibleStoryText, visibleText } from './visible-text';

const codeOf = (work: () => unknown): string | null => {
  try {
    work();
    return null;
  } catch (error) {
    return isPixloomError(error) ? error.code : 'OTHER';
  }
};

describe('visible text', () => {
  it('finds nothing visible in white space, zero-width, bidi and control characters', () => {
    for (const blank of ['', ' \t\n\u00a0\u3000', '\u200b\u200c\u200d\u2060\ufeff',
      '\u202e\u202c\u2066\u2069\u200e\u200f', '\u0000\u0007\u001b\u0085', '\u00ad\ufe0f\u3164',
      '\ud800', '\u2800 \u2800']) {
      expect(hasVisibleText(blank)).toBe(false);
    }
    for (const text of ['a', '\u200bx\u200b', '🟥', '\u202e?', '日本']) {
      expect(hasVisibleText(text)).toBe(true);
    }
  });

  it('returns the text in NFC, so length counts composed characters', () => {
    const text = visibleText('cafe\u0301', 'question', 'ask something.');
    expect(text).toBe('caf\u00e9');
    expect(text).toHaveLength(4);
  });

  it('refuses blank text with BAD_REQUEST and a sentence naming the field', () => {
    expect(codeOf(() => visibleText('\u200b \ufeff', 'question', 'ask something.')))
      .toBe('BAD_REQUEST');
    expect(() => visibleText('\u200b', 'question', 'ask something.'))
      .toThrow(/^question has no visible characters.*; ask something\.$/);
    expect(() => visibleText('', 'question', 'ask something.')).toThrow(/^question is empty/);
    expect(() => visibleText(' \n\u3000', 'question', 'ask.')).toThrow(/^question is empty/);
  });

  it('checks the character, every panel text and every caption of a story', () => {
    const ok = visibleStoryText({ character: 'Zoe\u0301', seed: 3,
      panels: [{ text: 'waving', caption: null }, { text: 'running', caption: '' }] });
    expect(ok).toEqual({ character: 'Zo\u00e9', seed: 3,
      panels: [{ text: 'waving', caption: null }, { text: 'running', caption: '' }] });
    expect(() => visibleStoryText({ character: '\u200b', panels: [{ text: 'a' }] }))
      .toThrow(/^character has no visible/);
    expect(() => visibleStoryText({ character: 'a', panels: [{ text: 'a' }, { text: '\u2060' }] }))
      .toThrow(/^panels\[1\]\.text has no visible/);
    expect(() => visibleStoryText({ character: 'a', panels: [{ text: 'a', caption: '\u202e' }] }))
      .toThrow(/^panels\[0\]\.caption has no visible/);
  });
});
