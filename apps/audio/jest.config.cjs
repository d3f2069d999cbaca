module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'audio',
  rootDir: __dirname,
};
