module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'files',
  rootDir: __dirname,
};
