// Browser tests: the app's real pages and panel in Chromium, against the real engine behind a stand-in for
// Grafana's server (tests/browser/server.ts). Run: npx jest -c tests/browser/jest.config.js
// Chromium: CHROMIUM_PATH, else /usr/bin/chromium (Debian: apt-get install -y chromium fonts-inter).
process.env.TZ = 'UTC';
const path = require('path');
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  rootDir: path.resolve(__dirname, '..', '..'),
  displayName: 'browser',
  testEnvironment: 'node',
  roots: ['<rootDir>/tests/browser'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': swc },
  testTimeout: 240000,
  // One store per process (chdb) and one Chromium: the files run one after another.
  maxWorkers: 1,
};
