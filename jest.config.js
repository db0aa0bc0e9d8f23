/** Jest runs TypeScript through ts-jest; the ml-* packages ship ESM only, so they are transpiled too. */
const esmPackages = ['ml-kmeans', 'ml-distance-euclidean', 'ml-nearest-vector', 'ml-spectra-processing', 'ml-array-[a-z-]+', 'is-any-array', 'ml-matrix'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: { warnOnly: false } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 120000,
};
