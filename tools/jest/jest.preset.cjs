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
  // Once in a while a run in CI stayed alive after every test had passed (a socket or Redis
  // reconnect handle we have not pinned down); a finished run must end, not wait forever.
  forceExit: true,
};
