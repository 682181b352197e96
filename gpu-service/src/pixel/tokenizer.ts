/**
 * Word-level tokenizer of a pixel bundle's vocabulary (`vocab.json`): lower-case the text, split
 * it with the bundle's word pattern (runs of letters, digits and hyphens, or one punctuation
 * mark), map each word to its id, unknown words to `unk`.
 */

export interface VocabularyFile {
  tokens: string[];
  special: { pad: number; bos: number; eos: number; sep: number; unk: number };
  /** Codebook token ids, [scales][tokens per scale]. */
  codebook: number[][];
  lowercase: boolean;
  wordPattern: string;
}

export class VocabularyError extends Error {
  override name = 'VocabularyError';
  readonly code = 'BUNDLE_INVALID';
}

const PUNCTUATION = new Set([',', '.', ':', '?', ';', '!']);

/** Whether a word is a punctuation mark (ends a target's label). */
export function isPunctuation(word: string): boolean {
  return PUNCTUATION.has(word);
}

export class Tokenizer {
  readonly special: VocabularyFile['special'];
  /** Codebook ids flattened scale by scale: the group written after each target. */
  readonly group: number[];
  private readonly ids = new Map<string, number>();
  private readonly codebookIds: Set<number>;
  private readonly pattern: RegExp;

  constructor(readonly vocabulary: VocabularyFile) {
    const v = vocabulary as Partial<VocabularyFile>;
    if (!Array.isArray(v.tokens) || !v.special || !Array.isArray(v.codebook)
      || typeof v.wordPattern !== 'string') {
      throw new VocabularyError('vocab.json lacks tokens, special, codebook or wordPattern; '
        + 'export the bundle again.');
    }
    vocabulary.tokens.forEach((t, i) => this.ids.set(t, i));
    this.special = vocabulary.special;
    this.group = vocabulary.codebook.flat();
    this.codebookIds = new Set(this.group);
    this.pattern = new RegExp(vocabulary.wordPattern, 'g');
  }

  get size(): number {
    return this.vocabulary.tokens.length;
  }

  /** Splits text into words the way the model was trained. */
  words(text: string): string[] {
    const source = this.vocabulary.lowercase ? text.toLowerCase() : text;
    return source.match(this.pattern) ?? [];
  }

  /** `bos`, the question's word ids, `sep`: what the LM reads after the image tokens. */
  encodeQuestion(question: string): number[] {
    const ids = this.words(question).map((w) => this.ids.get(w) ?? this.special.unk);
    return [this.special.bos, ...ids, this.special.sep];
  }

  token(id: number): string {
    return this.vocabulary.tokens[id] ?? '<unk>';
  }

  isCodebook(id: number): boolean {
    return this.codebookIds.has(id);
  }
}

/** Joins answer words into text: a space between words, none before punctuation. */
export function detokenize(words: string[]): string {
  let out = '';
  for (const w of words) {
    if (out === '' || isPunctuation(w)) out += w;
    else out += ` ${w}`;
  }
  return out;
}
