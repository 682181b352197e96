import { describe, expect, it } from 'vitest';
import { answerPiece, answerPieces } from './answer-words';

describe('answer pieces', () => {
  it('spaces words and keeps punctuation attached, as the answer text is joined', () => {
    const words = ['there', 'are', 'two', ':', 'the', 'red', 'circle', 'and', 'the', 'blue',
      'square', '.'];
    expect(words.map((w, i) => answerPiece(w, i === 0)).join(''))
      .toBe('there are two: the red circle and the blue square.');
  });

  it('splits a cached answer into pieces that join back to it', () => {
    const answer = 'the red circle, the green one.';
    expect(answerPieces(answer)).toEqual(['the', ' red', ' circle,', ' the', ' green', ' one.']);
    expect(answerPieces(answer).join('')).toBe(answer);
    expect(answerPieces('')).toEqual([]);
  });
});
