module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'gateway',
  rootDir: __dirname,
};
