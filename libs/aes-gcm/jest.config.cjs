module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'aes-gcm',
  rootDir: __dirname,
};
