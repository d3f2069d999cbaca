// The compose project's quick tests (npm test): the compose files checked as data, no engine.
module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'compose-files',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
};
