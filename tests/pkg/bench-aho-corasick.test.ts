import { AhoCorasick, naiveDistinct, naiveOccurrences } from '../../bench/aho-corasick';
import { rng } from '../../pkg/util/random';

describe('bench Aho-Corasick (integer alphabet)', () => {
  it('finds the classic textbook matches (he, she, his, hers in ushers)', () => {
    const enc = (s: string) => [...s].map((c) => c.charCodeAt(0));
    const pats = ['he', 'she', 'his', 'hers'].map(enc);
    const ac = new AhoCorasick(pats);
    const hits: [number, number][] = [];
    ac.scan(enc('ushers'), (id, end) => hits.push([id, end]));
    expect(hits.sort()).toEqual([[0, 3], [1, 3], [3, 5]].sort());
  });

  it('reports overlapping, nested and repeated patterns like a brute-force counter (randomized)', () => {
    const r = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const alphabet = 1 + Math.floor(r() * 6);
      const pats: number[][] = Array.from({ length: 1 + Math.floor(r() * 25) }, () =>
        Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * alphabet)),
      );
      const ac = new AhoCorasick(pats);
      const seen = new Int32Array(pats.length);
      for (let s = 0; s < 5; s++) {
        const seq = Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * alphabet));
        const counts = new Array<number>(pats.length).fill(0);
        ac.scan(seq, (id) => counts[id]!++);
        expect(counts).toEqual(naiveOccurrences(pats, seq));
        expect(ac.distinct(seq, seen, trial * 10 + s + 1).sort((a, b) => a - b)).toEqual(naiveDistinct(pats, seq));
      }
    }
  });

  it('handles duplicate patterns, an empty sequence, and refuses an empty pattern', () => {
    const ac = new AhoCorasick([[1, 2], [1, 2], [2]]);
    const counts = [0, 0, 0];
    ac.scan([1, 2, 1, 2], (id) => counts[id]!++);
    expect(counts).toEqual([2, 2, 2]);
    expect(ac.distinct([], new Int32Array(3), 1)).toEqual([]);
    expect(() => new AhoCorasick([[]])).toThrow(/empty/);
  });
});
