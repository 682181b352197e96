#!/usr/bin/env node
// `npx pixloom …`: runs bin/pixloom.ts through tsx, resolved from this package.
import { register } from 'tsx/esm/api';

register();
await import('./pixloom.ts');
