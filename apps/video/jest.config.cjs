module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'video',
  rootDir: __dirname,
};
