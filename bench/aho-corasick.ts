/**
 * Aho–Corasick over integer alphabets (event codes), for the seed paper's n-gram counting baseline.
 *
 * Patterns are arrays of non-negative integers. build() makes the trie, the failure links (BFS) and, per state,
 * the ids of every pattern ending there (its own plus those along its failure/output chain, merged once at build
 * time), so one left-to-right pass over a sequence reports every occurrence of every pattern in O(n + matches).
 */
export class AhoCorasick {
  /** goto: per state, symbol → next state (sparse: sessions use a few dozen distinct codes). */
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  /** Pattern ids ending at each state, including those reachable by failure links (filled by build()). */
  private readonly out: number[][] = [[]];
  private built = false;
  readonly size: number;

  constructor(patterns: readonly (readonly number[])[]) {
    patterns.forEach((p, id) => {
      if (p.length === 0) throw new Error(`pattern ${id} is empty`);
      let s = 0;
      for (const c of p) {
        let n = this.next[s]!.get(c);
        if (n === undefined) {
          n = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          this.next[s]!.set(c, n);
        }
        s = n;
      }
      this.out[s]!.push(id);
    });
    this.size = patterns.length;
    this.build();
  }

  private build(): void {
    const queue: number[] = [];
    for (const n of this.next[0]!.values()) {
      this.fail[n] = 0;
      queue.push(n);
    }
    for (let h = 0; h < queue.length; h++) {
      const s = queue[h]!;
      for (const [c, n] of this.next[s]!) {
        let f = this.fail[s]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const g = this.next[f]!.get(c);
        this.fail[n] = g !== undefined && g !== n ? g : 0;
        // BFS order: the failure target's outputs are complete already.
        const fo = this.out[this.fail[n]!]!;
        if (fo.length) this.out[n] = this.out[n]!.concat(fo);
        queue.push(n);
      }
    }
    this.built = true;
  }

  /** Calls onMatch(patternId, endIndex) for every occurrence in seq. */
  scan(seq: ArrayLike<number>, onMatch: (id: number, end: number) => void): void {
    if (!this.built) throw new Error('not built');
    let s = 0;
    for (let i = 0; i < seq.length; i++) {
      const c = seq[i]!;
      let n = this.next[s]!.get(c);
      while (n === undefined && s !== 0) {
        s = this.fail[s]!;
        n = this.next[s]!.get(c);
      }
      s = n ?? 0;
      const o = this.out[s]!;
      for (let j = 0; j < o.length; j++) onMatch(o[j]!, i);
    }
  }

  /**
   * The distinct patterns occurring in seq (presence per session, as the engine counts groups), written into
   * `seen` (a reusable stamp array of length size) and returned as a list of ids.
   */
  distinct(seq: ArrayLike<number>, seen: Int32Array, stamp: number): number[] {
    const ids: number[] = [];
    this.scan(seq, (id) => {
      if (seen[id] !== stamp) {
        seen[id] = stamp;
        ids.push(id);
      }
    });
    return ids;
  }
}

/** Reference: every pattern that occurs contiguously in seq, by brute force (for tests). */
export function naiveDistinct(patterns: readonly (readonly number[])[], seq: readonly number[]): number[] {
  const ids: number[] = [];
  patterns.forEach((p, id) => {
    for (let i = 0; i + p.length <= seq.length; i++) {
      let ok = true;
      for (let j = 0; j < p.length && ok; j++) ok = seq[i + j] === p[j];
      if (ok) {
        ids.push(id);
        return;
      }
    }
  });
  return ids;
}

/** Reference: number of occurrences of each pattern (overlapping), by brute force (for tests). */
export function naiveOccurrences(patterns: readonly (readonly number[])[], seq: readonly number[]): number[] {
  return patterns.map((p) => {
    let n = 0;
    for (let i = 0; i + p.length <= seq.length; i++) {
      let ok = true;
      for (let j = 0; j < p.length && ok; j++) ok = seq[i + j] === p[j];
      if (ok) n++;
    }
    return n;
  });
}
