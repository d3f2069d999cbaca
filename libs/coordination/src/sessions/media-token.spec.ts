import { mediaTokenOf } from './media-token';

describe('mediaTokenOf', () => {
  it("is the first half of SHA-256 of the session token's bytes (PROTOCOL.md section 7's example)", () => {
    expect(mediaTokenOf('000102030405060708090a0b0c0d0e0f')).toBe(
      'be45cb2605bf36bebde684841a28f0fd',
    );
  });

  it('differs from the token and from other tokens', () => {
    const a = '0123456789abcdef0123456789abcdef';
    const b = '0123456789abcdef0123456789abcdee';
    expect(mediaTokenOf(a)).not.toBe(a);
    expect(mediaTokenOf(a)).not.toBe(mediaTokenOf(b));
    expect(mediaTokenOf(a)).toMatch(/^[0-9a-f]{32}$/);
  });
});
