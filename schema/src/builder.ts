/** The Pothos schema builder shared by every type file of the schema. */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import { PixloomError } from '../../shared/src/errors';
import type { PixloomContext } from './context';
import { decodeNodeId, encodeGlobalID } from './global-id';

/** The most ids one `nodes` call takes. */
export const MAX_NODES = 100;

export const builder = new SchemaBuilder<{
  Context: PixloomContext;
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    /** A file from a GraphQL multipart request. */
    File: { Input: File; Output: never };
  };
}>({
  defaultFieldNullability: false,
  plugins: [RelayPlugin],
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: (typename, id) => encodeGlobalID(typename, id),
    decodeGlobalID: (globalId) => decodeNodeId(globalId),
    nodeTypeOptions: {
      description: 'An object with a global id: refetch it with node(id:) or nodes(ids:).',
    },
    pageInfoTypeOptions: {
      description: 'Where a page of a connection lies: its first and last cursors, and whether\n'
        + 'there are items before or after it.',
    },
    nodeQueryOptions: {
      description: 'The object with this global id; null if there is none.',
    },
    nodesQueryOptions: {
      description: `The objects with these global ids (at most ${MAX_NODES}), in order; null for\n`
        + 'each one missing.',
      // Each id is a call to its object's Durable Object: the list is bounded.
      resolve: (_root, args, _ctx, _info, resolveNodes) => {
        if (args.ids.length > MAX_NODES) {
          throw new PixloomError('BAD_REQUEST', `${args.ids.length} ids; send at most `
            + `${MAX_NODES} in one nodes call.`);
        }
        return resolveNodes(args.ids);
      },
    },
  },
});

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request spec (input only).',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
});
