#!/usr/bin/env node
// The `sapora` command. npm links a workspace's bins at `npm ci`, before anything is built, and
// links nothing for a file that does not exist yet: this committed file is what it links.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(
    'sapora: the command line is not built yet; run "npm run build" (or "npm start") in the Sapora checkout first\n',
  );
  process.exit(1);
}
require(main);
