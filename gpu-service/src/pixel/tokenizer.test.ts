import { describe, expect, it } from 'vitest';
import { detokenize, Tokenizer, type VocabularyFile } from './tokenizer.js';

const VOCAB: VocabularyFile = {
  tokens: ['<pad>', '<bos>', '<eos>', '<sep>', '<unk>', '<seg_0_0>', '<seg_1_0>', ',', '.', '?',
    'red', 'circle', 'where', 'is', 'the', 'medium-sized'],
  special: { pad: 0, bos: 1, eos: 2, sep: 3, unk: 4 },
  codebook: [[5], [6]],
  lowercase: true,
  wordPattern: '[a-z0-9\\-]+|[^\\sa-z0-9\\-]',
};

describe('Tokenizer', () => {
  const tk = new Tokenizer(VOCAB);

  it('splits words and punctuation the way the training code does', () => {
    expect(tk.words('Where is the RED circle?'))
      .toEqual(['where', 'is', 'the', 'red', 'circle', '?']);
    expect(tk.words('a medium-sized,thing')).toEqual(['a', 'medium-sized', ',', 'thing']);
  });

  it('wraps question ids in bos and sep and maps unknown words to unk', () => {
    expect(tk.encodeQuestion('where is the red star?')).toEqual([1, 12, 13, 14, 10, 4, 9, 3]);
  });

  it('knows the codebook group and its tokens', () => {
    expect(tk.group).toEqual([5, 6]);
    expect(tk.isCodebook(6)).toBe(true);
    expect(tk.isCodebook(10)).toBe(false);
    expect(tk.token(11)).toBe('circle');
  });

  it('rejects a vocabulary file without its fields', () => {
    expect(() => new Tokenizer({ tokens: [] } as unknown as VocabularyFile)).toThrow(/wordPattern/);
  });
});

describe('detokenize', () => {
  it('puts no space before punctuation', () => {
    expect(detokenize(['three', ':', 'red', 'circle', ',', 'blue', 'square', '.']))
      .toBe('three: red circle, blue square.');
  });
});
