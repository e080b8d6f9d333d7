// Tests run as native ESM (dependencies such as nanoid ship ESM only); @swc/jest strips types
// without type-checking, which `npm run typecheck` does separately with the pinned tsc.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/nodeBackends.ts'],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/summaryReporter.js'],
};
