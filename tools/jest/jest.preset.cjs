// Shared by every project's jest.config.cjs: tests import libs from source through the
// tsconfig path aliases, so they never need a build first.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const root = path.join(__dirname, '..', '..');
const { compilerOptions } = require('../../tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.spec.json') }],
  },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: root + '/' }),
  setupFiles: ['reflect-metadata'],
  // Tests wait for events with deadlines of their own; on a loaded two-core CI machine the
  // default five seconds per test (or hook: starting services as processes) cuts them off first.
  testTimeout: 120_000,
};
