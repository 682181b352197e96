import { describe, expect, it } from 'vitest';
import { PixloomError } from '../../../shared/src/errors';
import { closeFor } from './ws-access';

describe('closeFor', () => {
  it('closes a refused connection with 4401 or 4429 and the code in the reason', () => {
    expect(closeFor(new PixloomError('UNAUTHENTICATED', 'This API needs a key; send it.')))
      .toEqual({ code: 4401, reason: 'UNAUTHENTICATED: This API needs a key; send it.' });
    expect(closeFor(new PixloomError('RATE_LIMITED', 'Wait 20 s.')).code).toBe(4429);
  });

  it('cuts a long reason to the 123 bytes a WebSocket close frame allows', () => {
    const { reason } = closeFor(new PixloomError('UNAUTHENTICATED', `é${'x'.repeat(300)}`));
    expect(new TextEncoder().encode(reason).length).toBeLessThanOrEqual(123);
    expect(reason).toMatch(/^UNAUTHENTICATED: éx+…$/);
  });
});
