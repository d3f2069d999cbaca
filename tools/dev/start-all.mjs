#!/usr/bin/env node
// Runs every Sapora service on this host against REDIS_URL (default redis://127.0.0.1:6379).
// A service is an app whose package.json says "sapora": { "service": true }; each prints its
// own line saying where it listens. Ctrl-C (or SIGTERM) stops them all gracefully.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const services = readdirSync(join(root, 'apps'))
  .map((name) => ({ name, dir: join(root, 'apps', name) }))
  .filter(({ dir }) => existsSync(join(dir, 'package.json')))
  .filter(
    ({ dir }) =>
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).sapora?.service === true,
  );

if (services.length === 0) {
  console.error('start-all: no services found under apps/');
  process.exit(1);
}

const env = { REDIS_URL: 'redis://127.0.0.1:6379', ...process.env };
console.log(`Sapora: starting ${services.map((s) => s.name).join(', ')} against ${env.REDIS_URL}`);

const children = services.map(({ name, dir }) => {
  const main = join(dir, 'dist', 'main.js');
  if (!existsSync(main)) {
    console.error(`start-all: ${name} is not built (${main} missing); run "npm run build" first`);
    process.exit(1);
  }
  // apps/<app>/node-options: node options the service is always started with (as deployed).
  const optionsFile = join(dir, 'node-options');
  const options = existsSync(optionsFile)
    ? readFileSync(optionsFile, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
    : [];
  const child = spawn(process.execPath, [...options, main], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`start-all: ${name} exited (${signal ?? code}); stopping the others`);
      stop('SIGTERM');
      process.exitCode = 1;
    }
  });
  return child;
});

let stopping = false;
function stop(signal) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
