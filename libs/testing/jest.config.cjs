module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'testing',
  rootDir: __dirname,
};
