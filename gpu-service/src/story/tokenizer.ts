/**
 * Word tokenizer for story prompts, the same rule as the training code's: lower-case, split on
 * anything that is not a letter a–z, `<bos>` words `<eos>`, cut and padded to `maxTokens`.
 * Words outside the vocabulary become `<unk>`.
 */

export interface WordVocabulary {
  words: string[];
  maxTokens: number;
  special: { pad: number; bos: number; eos: number; unk: number };
}

export class WordTokenizer {
  private readonly ids: Map<string, number>;

  constructor(readonly vocab: WordVocabulary) {
    this.ids = new Map(vocab.words.map((w, i) => [w, i]));
  }

  /** The words of a prompt as the model reads them (before ids). */
  words(text: string): string[] {
    return text.toLowerCase().match(/[a-z]+/g) ?? [];
  }

  /** Words of `text` the vocabulary does not know (they are read as `<unk>`). */
  unknownWords(text: string): string[] {
    return this.words(text).filter((w) => !this.ids.has(w));
  }

  /** Token ids of one prompt, padded to `maxTokens`. */
  encode(text: string): number[] {
    const { special, maxTokens } = this.vocab;
    const ids = [special.bos, ...this.words(text).map((w) => this.ids.get(w) ?? special.unk)];
    const cut = ids.slice(0, maxTokens - 1);
    cut.push(special.eos);
    while (cut.length < maxTokens) cut.push(special.pad);
    return cut;
  }

  /** Token ids of several prompts as one int64 batch `[n, maxTokens]`. */
  encodeBatch(texts: string[]): BigInt64Array {
    const n = this.vocab.maxTokens;
    const out = new BigInt64Array(texts.length * n);
    texts.forEach((t, i) => this.encode(t).forEach((id, j) => { out[i * n + j] = BigInt(id); }));
    return out;
  }
}
