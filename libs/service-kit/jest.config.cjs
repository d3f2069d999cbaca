module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'service-kit',
  rootDir: __dirname,
};
