#!/usr/bin/env node
// The `workcell` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'workcell: not built yet: run `npm install` (or `npm run build`) in the repository first\n',
  );
  process.exit(4);
}
await import(entry.href);
