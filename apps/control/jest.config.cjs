module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'control',
  rootDir: __dirname,
};
