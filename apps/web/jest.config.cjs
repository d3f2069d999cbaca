module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'web',
  rootDir: __dirname,
};
