#!/usr/bin/env node
// The ll4al command line, as built into dist/ by `npm run build` (run on `npm install`).
await import('../dist/cli/main.js');
