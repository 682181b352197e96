/** The Pothos schema builder shared by every type file of the schema. */
import SchemaBuilder from '@pothos/core';
import type { PixloomContext } from './context';

export const builder = new SchemaBuilder<{
  Context: PixloomContext;
  DefaultFieldNullability: false;
  Scalars: {
    /** A file from a GraphQL multipart request. */
    File: { Input: File; Output: never };
  };
}>({
  defaultFieldNullability: false,
});

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request spec (input only).',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
});
