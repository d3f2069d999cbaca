import { safeDisplayName } from './display-name';

describe('safeDisplayName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['/abs/path', 'path'],
    ['a\\b', 'b'],
    ['..', 'file'],
    ['.hidden', 'hidden'],
    ['bad\u0000\u0007\nname.txt', 'badname.txt'],
    ['', 'file'],
    ['dir/', 'file'],
  ])('%j → %j', (input, expected) => {
    expect(safeDisplayName(input)).toBe(expected);
  });

  it('bounds the length', () => {
    expect(safeDisplayName('x'.repeat(1000))).toHaveLength(255);
  });
});
