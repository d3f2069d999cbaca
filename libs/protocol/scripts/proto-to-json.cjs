#!/usr/bin/env node
// Writes src/messages/proto-schema.json from proto/*.proto: the schemas as data, so the code
// (and the client SDK bundled from it) needs no .proto files at run time. The .proto files stay
// the source of truth; proto-schema.spec.ts fails when this was not run after editing them.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const protobuf = require('protobufjs');

const PROTO = join(__dirname, '..', 'proto');
const FILES = ['control.proto', 'files.proto', 'screen.proto', 'meetings.proto'];

function schemaJson() {
  const root = protobuf.loadSync(FILES.map((file) => join(PROTO, file)));
  return `${JSON.stringify(root.toJSON(), null, 2)}\n`;
}

if (process.argv.includes('--print')) {
  process.stdout.write(schemaJson());
} else {
  const target = join(__dirname, '..', 'src', 'messages', 'proto-schema.json');
  writeFileSync(target, schemaJson());
  process.stdout.write(`wrote ${target}\n`);
}
