module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'discovery',
  rootDir: __dirname,
};
