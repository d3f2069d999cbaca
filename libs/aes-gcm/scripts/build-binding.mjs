// Compiles native/aes-gcm.c into dist/aes-gcm.node with the system's C compiler ($CC or cc)
// against Node-API's headers (the node-api-headers package). OpenSSL comes from the Node
// binary at run time, so nothing else is needed. Without a compiler the library still works,
// through node:crypto at several times the cost per datagram, and this says so.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist', 'aes-gcm.node');
const include = join(
  dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')),
  'include',
);
const compiler = process.env.CC || 'cc';
// macOS links an addon as a bundle whose Node symbols the process supplies when it loads.
const link =
  process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared'];
const args = [
  '-O2',
  '-fPIC',
  '-Wall',
  '-Wextra',
  '-DNAPI_VERSION=8',
  `-I${include}`,
  ...link,
  join(root, 'native', 'aes-gcm.c'),
  '-o',
  output,
];

const result = spawnSync(compiler, args, { stdio: 'inherit' });
if (result.error?.code === 'ENOENT') {
  console.warn(
    `aes-gcm: no C compiler (${compiler}); media will be sealed with node:crypto, several times slower per datagram`,
  );
} else if (result.error || result.status !== 0) {
  console.error(`aes-gcm: ${compiler} ${args.join(' ')} failed`);
  process.exit(1);
} else {
  console.log(`aes-gcm: built ${output}`);
}
