/**
 * Text a user writes (a question, a story's character, panel texts and captions) must show
 * something: text made only of white space, zero-width, bidi or other control characters is
 * refused with `BAD_REQUEST`. Accepted text is returned in Unicode NFC, so length limits count
 * composed characters ("é" as one, however it was typed).
 */
import { PixloomError } from './errors';

/**
 * Characters that draw nothing: white space, controls (C0, C1), format characters (zero-width
 * space and joiners, word joiner, byte order mark, bidi embeddings, overrides and isolates,
 * soft hyphen), other default-ignorable code points (variation selectors, Hangul fillers),
 * lone surrogates, and the blank Braille pattern.
 */
const INVISIBLE = /[\p{White_Space}\p{Cc}\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** Whether `text` has at least one character that is not {@link INVISIBLE}. */
export function hasVisibleText(text: string): boolean {
  return text.replace(INVISIBLE, '') !== '';
}

/**
 * `text` in NFC.
 *
 * @param field how the error names the argument, e.g. "question"
 * @param fix the end of the error's sentence: what to send instead
 * @throws PixloomError `BAD_REQUEST` when `text` has no visible character
 * @example
 * visibleText('cafe\u0301', 'question', 'ask…') // → 'café' (4 characters)
 * visibleText('\u200b\u200d ', 'question', 'ask…') // throws BAD_REQUEST
 */
export function visibleText(text: string, field: string, fix: string): string {
  if (!hasVisibleText(text)) {
    const what = text.trim() === '' ? 'is empty' : 'has no visible characters (only white '
      + 'space, zero-width, bidi or control characters)';
    throw new PixloomError('BAD_REQUEST', `${field} ${what}; ${fix}`);
  }
  return text.normalize('NFC');
}

/** A `segment` question, checked by {@link visibleText}. */
export function visibleQuestion(question: string): string {
  return visibleText(question, 'question', 'ask something about the image, e.g. "where are '
    + 'the red shapes?".');
}

/** What createStory reads as text. */
interface StoryText {
  character: string;
  panels: ReadonlyArray<{ text: string; caption?: string | null }>;
}

/**
 * The story input with its character, panel texts and captions checked by
 * {@link visibleText} and in NFC; an empty or absent caption stays as it was.
 */
export function visibleStoryText<T extends StoryText>(input: T): T {
  const character = visibleText(input.character, 'character', 'describe who the story is '
    + 'about, e.g. "a girl in a red shirt".');
  const panels = input.panels.map((panel, i) => ({
    ...panel,
    text: visibleText(panel.text, `panels[${i}].text`, 'say what happens in the panel, e.g. '
      + '"waving in the park".'),
    ...(panel.caption ? { caption: visibleText(panel.caption, `panels[${i}].caption`,
      'write the caption, or leave it out.') } : {}),
  }));
  return { ...input, character, panels };
}
