module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'media',
  rootDir: __dirname,
};
