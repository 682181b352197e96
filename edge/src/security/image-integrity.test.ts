import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkImageIntegrity } from './image-integrity';

const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, '..',
  '..', '..', 'test', 'fixtures', 'bad-inputs', name)));

describe('checkImageIntegrity', () => {
  it('passes complete files, animated and 16-bit ones included', () => {
    for (const [name, format] of [['ok.png', 'png'], ['ok.jpg', 'jpeg'], ['ok.webp', 'webp'],
      ['animated.png', 'png'], ['animated.webp', 'webp'], ['16-bit.png', 'png']] as const) {
      expect(() => checkImageIntegrity(fixture(name), format)).not.toThrow();
    }
  });

  it('refuses files cut short, with BAD_IMAGE and what is missing', () => {
    const cases = [['no-iend.png', 'png', /before its IEND chunk/],
      ['truncated-tail.jpg', 'jpeg', /no end-of-image marker/],
      ['truncated-tail.webp', 'webp', /states 38 bytes, the file has 32/]] as const;
    for (const [name, format, message] of cases) {
      expect(() => checkImageIntegrity(fixture(name), format)).toThrow(message);
    }
  });
});
