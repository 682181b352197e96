/**
 * The pixloom GraphQL schema, built with Pothos. `schema.graphql` beside this folder is its
 * printed SDL; `npx tsx schema/src/print-schema.ts` rewrites it after a change.
 */
import { builder } from './builder';
import './types/image';
import './types/mask';
import './types/segment';
import './types/segmentation';
import './types/stream';
import './types/root';
import './story-fields';

export const schema = builder.toSchema();

export type * from './context';
