module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'cli',
  rootDir: __dirname,
};
