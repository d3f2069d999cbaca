#!/usr/bin/env node
// Builds @sapora/client as a package another project installs without this repository: the
// library with its protocol and media code (and protobufjs) bundled in, as CommonJS and as an
// ES module, one rolled-up .d.ts, and a package.json with exports and engines and no
// dependencies at all. Then packs it: `node scripts/build-sdk.mjs [--out DIR]` prints the
// tarball's path and size.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const client = resolve(here, '..');
const root = resolve(client, '..', '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(client, 'sdk'));
const stage = join(client, 'sdk-stage');
const manifest = JSON.parse(readFileSync(join(client, 'package.json'), 'utf8'));

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'dist'), { recursive: true });

const common = {
  entryPoints: [join(client, 'src', 'index.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  tsconfig: join(client, 'tsconfig.json'),
  sourcemap: false,
  legalComments: 'inline',
  logLevel: 'warning',
};
await build({ ...common, format: 'cjs', outfile: join(stage, 'dist', 'index.cjs') });
await build({
  ...common,
  format: 'esm',
  outfile: join(stage, 'dist', 'index.mjs'),
  // Bundled CommonJS code (protobufjs) calls require(); an ES module has none of its own.
  banner: {
    // An alias of its own: bundled code may import createRequire too.
    js: "import { createRequire as __sdkCreateRequire } from 'node:module'; const require = __sdkCreateRequire(import.meta.url);",
  },
});

execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', 'dts-bundle-generator', 'dist', 'bin', 'dts-bundle-generator.js'),
    '--silent',
    '--no-banner',
    '--project',
    join(client, 'tsconfig.json'),
    '--external-inlines',
    '@sapora/protocol',
    '@sapora/media',
    '-o',
    join(stage, 'dist', 'index.d.ts'),
    '--',
    join(client, 'src', 'index.ts'),
  ],
  { stdio: 'inherit' },
);

const sdk = {
  name: manifest.name,
  version: manifest.version,
  description:
    'The Sapora client library: join LAN meetings, chat, send files, talk, see, share a screen',
  license: 'MIT',
  keywords: ['sapora', 'conferencing', 'lan', 'audio', 'video', 'chat'],
  engines: manifest.engines,
  type: 'commonjs',
  main: './dist/index.cjs',
  module: './dist/index.mjs',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      types: './dist/index.d.ts',
      import: './dist/index.mjs',
      require: './dist/index.cjs',
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md', 'CHANGELOG.md'],
  sapora: manifest.sapora,
};
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(sdk, null, 2)}\n`);
cpSync(join(client, 'README.md'), join(stage, 'README.md'));
cpSync(join(client, 'CHANGELOG.md'), join(stage, 'CHANGELOG.md'));

mkdirSync(out, { recursive: true });
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
    cwd: stage,
    encoding: 'utf8',
  }),
)[0];
const tarball = join(out, packed.filename);
rmSync(stage, { recursive: true, force: true });
process.stdout.write(
  `${tarball}\n${packed.name}@${packed.version}: ${statSync(tarball).size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files\n`,
);
