// Jest projects: the engine (pkg/, node), the Grafana app (src/, jsdom, create-plugin's config extended here),
// and the browser tests (tests/browser: the real pages in Chromium against the real engine).
process.env.TZ = 'UTC';
const grafana = require('./.config/jest.config');
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  projects: [
    {
      displayName: 'engine',
      testEnvironment: 'node',
      roots: ['<rootDir>/pkg', '<rootDir>/tests/pkg'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
    },
    {
      ...grafana,
      displayName: 'app',
      rootDir: __dirname,
      // @grafana/* 13 pulls ESM-only .mjs files (d3-color) that the scaffold's transform does not match.
      transform: { ...grafana.transform, '^.+\\.mjs$': grafana.transform['^.+\\.(t|j)sx?$'] },
    },
    (() => {
      const { testTimeout: _t, maxWorkers: _w, rootDir: _r, ...browser } = require('./tests/browser/jest.config.js');
      return { ...browser, rootDir: __dirname };
    })(),
  ],
  testTimeout: 240000,
};
