module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'bench',
  rootDir: __dirname,
};
