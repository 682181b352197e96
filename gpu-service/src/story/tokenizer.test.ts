/** The TypeScript tokenizer gives the same ids as the training code's (fixtures.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type WordVocabulary, WordTokenizer } from './tokenizer.js';

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'test',
  'fixtures', 'story', 'python-reference.json'), 'utf8')) as {
  vocabulary: { words: string[]; maxTokens: number; special: WordVocabulary['special'] };
  tokens: Record<string, number[]>;
};

describe('WordTokenizer', () => {
  const tok = new WordTokenizer(fixture.vocabulary);

  it('matches the Python tokenizer on every reference prompt', () => {
    for (const [prompt, ids] of Object.entries(fixture.tokens)) {
      expect(tok.encode(prompt), prompt).toEqual(ids);
    }
  });

  it('reads unknown words as <unk> and reports them', () => {
    expect(tok.unknownWords('someone with zebra hair')).toEqual(['zebra']);
    const ids = tok.encode('zebra');
    expect(ids.slice(0, 3)).toEqual([1, 3, 2]);
  });

  it('packs a batch as int64 [n, maxTokens]', () => {
    const batch = tok.encodeBatch(['a kid', '']);
    expect(batch).toHaveLength(2 * fixture.vocabulary.maxTokens);
    expect(Number(batch[fixture.vocabulary.maxTokens])).toBe(fixture.vocabulary.special.bos);
    expect(Number(batch[fixture.vocabulary.maxTokens + 1])).toBe(fixture.vocabulary.special.eos);
  });
});
