import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // In Node an unhandled rejection ends the process: one promise nobody awaits or catches turns
    // a peer's bad value into a dead daemon. These rules need type information, so only the code
    // that runs in a node pays for it (tests and benches keep the fast syntactic rules). Two
    // programs: the Node code, and the web app with the DOM's types (its own tsconfig).
    files: ['src/**/*.ts', 'apps/**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.eslint.json', './apps/web/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // `void promise` ends a Node process just the same when it rejects: there, every promise left
    // running gets a rejection handler that reports or fails something. In the web app a
    // rejection is only logged, and its views' handlers show their own errors, so `void` stays.
    files: ['src/**/*.ts', 'apps/daemon/**/*.ts', 'apps/signaling/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }] },
  },
);
