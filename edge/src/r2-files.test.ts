import { describe, expect, it } from 'vitest';
import { parseRange } from './r2-files';

describe('parseRange', () => {
  it('reads one byte range in each of its forms', () => {
    expect(parseRange('bytes=100-199')).toEqual({ offset: 100, length: 100 });
    expect(parseRange('bytes=5-')).toEqual({ offset: 5 });
    expect(parseRange('bytes=-50')).toEqual({ suffix: 50 });
    expect(parseRange(' bytes=0-0 ')).toEqual({ offset: 0, length: 1 });
  });

  it('ignores what it cannot serve as one range', () => {
    for (const header of [null, '', 'bytes=-', 'bytes=9-3', 'bytes=0-1,5-9', 'items=0-1',
      'bytes=-0', 'bytes=a-b']) {
      expect(parseRange(header), String(header)).toBeNull();
    }
  });
});
