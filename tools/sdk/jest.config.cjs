// The SDK as another project gets it: packed, installed offline outside the workspace, and run
// against real services (tools/sdk/test/sdk-consumer.spec.ts).
module.exports = {
  ...require('../../tools/jest/jest.preset.cjs'),
  displayName: 'sdk',
  rootDir: __dirname,
};
