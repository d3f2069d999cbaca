module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'protocol',
  rootDir: __dirname,
};
