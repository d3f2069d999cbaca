import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('proto-schema.json', () => {
  it('is what the .proto files say (run `node libs/protocol/scripts/proto-to-json.cjs` after editing them)', () => {
    const fromProto = execFileSync(
      process.execPath,
      [join(__dirname, '..', '..', 'scripts', 'proto-to-json.cjs'), '--print'],
      { encoding: 'utf8' },
    );
    expect(readFileSync(join(__dirname, 'proto-schema.json'), 'utf8')).toBe(fromProto);
  });
});
