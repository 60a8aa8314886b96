// Jest projects: the engine (pkg/, node) now; the Grafana app (src/, jsdom) joins as its own project.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  projects: [
    {
      displayName: 'engine',
      testEnvironment: 'node',
      roots: ['<rootDir>/pkg', '<rootDir>/tests/pkg'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      testTimeout: 120000,
    },
  ],
};
