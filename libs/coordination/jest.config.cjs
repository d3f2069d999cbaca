module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'coordination',
  rootDir: __dirname,
};
