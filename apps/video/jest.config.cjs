module.exports = { ...require('../../jest.preset.cjs'), displayName: 'video', rootDir: __dirname };
