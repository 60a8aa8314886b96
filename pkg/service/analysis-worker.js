// A worker thread's entry: runs the TypeScript worker through tsx, as bin/surfacer.js runs the CLI (no build step).
require('tsx/cjs');
require('./analysis-worker.ts');
