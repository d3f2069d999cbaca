module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'client',
  rootDir: __dirname,
};
