/** Answer words as the language model writes them, turned into text pieces a client appends. */

const PUNCTUATION = new Set([',', '.', ':', '?', ';', '!']);

/**
 * The piece of text one word adds: a space before it unless it is the first word or a
 * punctuation mark, so that joining the pieces gives the answer text.
 *
 * @example
 * ['two', 'squares', ':', 'the', 'red', 'one'].map((w, i) => answerPiece(w, i === 0)).join('')
 * // → 'two squares: the red one'
 */
export function answerPiece(word: string, first: boolean): string {
  return first || PUNCTUATION.has(word) ? word : ` ${word}`;
}

/** Splits a whole answer into pieces that join back to it (for answers served from cache). */
export function answerPieces(answer: string): string[] {
  return answer.match(/\s*\S+/g) ?? [];
}
