#!/usr/bin/env node
// The `concord` command: a thin shim over the compiled CLI (built by `npm install`'s prepare step).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = new URL('../../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('concord: the compiled CLI is missing (dist/). Run `npm install` (or `npm run build`) in the repository first.\n');
  process.exit(2);
}
await import(main.href);
