/**
 * Relay global ids: `base64("<Type>:<id>")`, encoded and read with @pothos/plugin-relay's own
 * functions. An id that does not decode, or names a type that is not a `Node`, is refused with
 * `BAD_REQUEST` and a sentence saying where a good id comes from.
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { PixloomError } from '../../shared/src/errors';

/** The object types that implement `Node` (refetchable with `node(id:)`). */
export const NODE_TYPES: ReadonlySet<string> = new Set(['Story']);

export { encodeGlobalID };

function badId(id: string, why: string): PixloomError {
  const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
  return new PixloomError('BAD_REQUEST', `"${shown}" ${why}; send the id field of a `
    + `${[...NODE_TYPES].join(' or ')} as the API returned it.`);
}

/** The type name and own id inside a global id, or a `BAD_REQUEST` error. */
export function decodeNodeId(globalId: string): { typename: string; id: string } {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw badId(globalId, 'is not a global id');
  }
  if (!NODE_TYPES.has(decoded.typename)) {
    throw badId(globalId, `names the type ${decoded.typename}, which has no global id`);
  }
  return decoded;
}
