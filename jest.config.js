// Jest projects: the engine (pkg/, node) and the Grafana app (src/, jsdom, create-plugin's config extended here).
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
  ],
  testTimeout: 120000,
};
