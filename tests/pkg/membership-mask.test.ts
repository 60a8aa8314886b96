import { maskedRows, membershipFlags, type SigRow } from '../../pkg/compile/membership';

const row = (sig: number[], b: number, n: number, s: number): SigRow => ({ sig, b, n, s, q: s * s, l: n, m: 2 * n });

describe('grouping rows folded from memberships in JS', () => {
  it('groups by the round members present and the bucket, summing the moments; members past 32 use the high half', () => {
    // 40 members numbered 101..140: member 140 is bit 39.
    const members = Array.from({ length: 40 }, (_, i) => 101 + i);
    const rows = [
      row([101, 140], 0, 2, 3),
      row([7, 101, 140], 0, 5, 1), // 7 is no member of this round: same mask as above
      row([101, 140], 1, 1, 4), // another bucket
      row([8], 0, 10, 10), // no member
      row([], 0, 1, 0),
    ];
    const out = maskedRows(rows, members).sort((a, b) => a.fm.localeCompare(b.fm) || a.b - b.b);
    expect(out.map((r) => [r.fm, r.b, r.n, r.s, r.q, r.l, r.m])).toEqual([
      ['0', 0, 11, 10, 100, 11, 22],
      [String((1n << 39n) | 1n), 0, 7, 4, 10, 7, 14],
      [String((1n << 39n) | 1n), 1, 1, 4, 16, 1, 2],
    ]);
    const f = membershipFlags(out[1]!.fm, 40);
    expect(f.flatMap((x, i) => (x ? [i] : []))).toEqual([0, 39]);
  });

  it('refuses more members than a 64-bit mask holds', () => {
    expect(() =>
      maskedRows(
        [],
        Array.from({ length: 65 }, (_, i) => i + 1)
      )
    ).toThrow(/at most 64 members, not 65/);
  });
});
