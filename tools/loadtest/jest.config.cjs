module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'loadtest',
  rootDir: __dirname,
};
