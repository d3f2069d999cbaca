// The compose end-to-end test (npm run test:compose): builds the image, runs the stack in
// containers and drives it through its published ports. Not part of `npm test`.
module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'compose',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e.ts'],
};
