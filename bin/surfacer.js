#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so a checkout works after `npm ci` with no build step.
require('tsx/cjs');
require('../pkg/cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
