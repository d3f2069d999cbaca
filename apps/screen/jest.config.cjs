module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'screen',
  rootDir: __dirname,
};
