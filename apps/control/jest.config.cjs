module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'control',
  rootDir: __dirname,
};
