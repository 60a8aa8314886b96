/**
 * Elastic log rate analysis (Kibana `x-pack/platform/packages/shared/ml/aiops_log_rate_analysis`, formerly
 * `x-pack/plugins/aiops`), over groups as documents: the deviation set is the failed groups, the baseline set the
 * others, each item (an event present, or an `attr=value`) a term of a multi-valued field.
 *  - `fetch_significant_term_p_values.ts`: a `significant_terms` aggregation per field with
 *    `p_value: { background_is_superset: false }` and `size: 1000` (Elasticsearch's default min_doc_count of 3
 *    for significant_terms applies); items with p < LOG_RATE_ANALYSIS_SETTINGS.P_VALUE_THRESHOLD = 0.02 are kept.
 *    No correction for the number of terms tested.
 *  - the p-value is Elasticsearch's PValueScore (`x-pack/plugin/ml/.../aggs/heuristic/PValueScore.java`): a
 *    binomial likelihood-ratio test of the term's frequency in the deviation vs the baseline, after adding
 *    eps = max(0.05·n + 0.5, 1) (rounded down) to both sets and capping the baseline count at 1.05× so ratio
 *    changes under 5% never look significant; score 0 (p = 1) when the term is not more frequent in the deviation.
 *  - grouping (`fetch_frequent_item_sets.ts`, `get_significant_item_groups.ts`): frequent item sets of the
 *    significant items in the deviation set (minimum_support FREQUENT_ITEMS_SETS_MINIMUM_SUPPORT = 0.001,
 *    minimum_set_size 2, size 200, closed sets, at most FREQUENT_ITEMS_SETS_FIELD_VALUE_LIMIT = 50 values a field),
 *    summarized into groups; significant items left out of every
 *    group are shown alone. Kibana's tree-based summarization is approximated by a greedy cover: item sets by
 *    support (then size), each kept when it adds a significant item no kept group holds yet.
 */
import { chiSquareSf, logChoose } from '../../pkg/experts/stats';
import { and, andCount, count, describeItems, not, type Bits, type Cohort, type GroupTable } from '../quality/groups';

export const ELASTIC = {
  P_VALUE_THRESHOLD: 0.02,
  FREQUENT_ITEMS_SETS_MINIMUM_SUPPORT: 0.001,
  /** FREQUENT_ITEMS_SETS_FIELD_VALUE_LIMIT: the most significant values of a field enter the item sets. */
  FIELD_VALUE_LIMIT: 50,
  MIN_DOC_COUNT: 3,
  ITEM_SETS_SIZE: 200,
  /** Longest item set enumerated (Kibana does not bound it; the enumeration needs a bound here). */
  MAX_SET_SIZE: 4,
} as const;

/** log P(X = k) for X ~ Binomial(n, p), with 0·log 0 = 0 (LongBinomialDistribution.logProbability). */
function binomialLogP(n: number, p: number, k: number): number {
  const a = k === 0 ? 0 : k * Math.log(p);
  const b = n - k === 0 ? 0 : (n - k) * Math.log1p(-p);
  return logChoose(n, k) + a + b;
}

/**
 * Elasticsearch's PValueScore p-value with background_is_superset = false, no normalize_above:
 * subsetFreq of subsetSize deviation docs hold the term, supersetFreq of supersetSize baseline docs.
 */
export function pValueScoreP(subsetFreq: number, subsetSize: number, supersetFreq: number, supersetSize: number): number {
  let inClass = subsetFreq;
  let allInClass = subsetSize;
  let notInClass = supersetFreq;
  let allNotInClass = supersetSize;
  if (inClass * allNotInClass <= allInClass * notInClass) return 1;
  if (allNotInClass === 0 || allInClass === 0) return 1;
  const eps = (v: number) => Math.max(0.05 * v + 0.5, 1);
  const epsIn = Math.floor(eps(allInClass));
  const epsNotIn = Math.floor(eps(allNotInClass));
  inClass += epsIn;
  notInClass += epsNotIn;
  allInClass += epsIn;
  allNotInClass += epsNotIn;
  notInClass = Math.floor(Math.min(1.05 * notInClass, (inClass / allInClass) * allNotInClass) + 0.5);
  const v1 = binomialLogP(allInClass, inClass / allInClass, inClass);
  const v2 = binomialLogP(allNotInClass, notInClass / allNotInClass, notInClass);
  const p2 = (inClass + notInClass) / (allInClass + allNotInClass);
  const v3 = binomialLogP(allInClass, p2, inClass);
  const v4 = binomialLogP(allNotInClass, p2, notInClass);
  const llr = v1 + v2 - v3 - v4;
  // The score is −log(max(p, Double.MIN_NORMAL)), floored at 0: p back from it is at most 1.
  return Math.min(1, Math.max(chiSquareSf(2 * llr, 1), 2.2250738585072014e-308));
}

export function elasticLogRate(t: GroupTable): Cohort[] {
  const n = t.ids.length;
  const fg = count(t.failed);
  const bg = n - fg;
  const notFailed = not(t.failed, n);
  const significant: { item: string; p: number; bits: Bits; fgBits: Bits; fgCount: number }[] = [];
  for (const [item, bits] of t.items) {
    const sub = andCount(bits, t.failed);
    if (sub < ELASTIC.MIN_DOC_COUNT) continue;
    const p = pValueScoreP(sub, fg, andCount(bits, notFailed), bg);
    if (p < ELASTIC.P_VALUE_THRESHOLD) significant.push({ item, p, bits, fgBits: and(bits, t.failed), fgCount: sub });
  }
  significant.sort((a, b) => a.p - b.p || b.fgCount - a.fgCount || (a.item < b.item ? -1 : 1));

  // Frequent (closed) item sets of the significant items among the failed groups, depth-first (Eclat).
  const minSupport = Math.max(1, Math.ceil(ELASTIC.FREQUENT_ITEMS_SETS_MINIMUM_SUPPORT * fg));
  // Every event is a value of one multi-valued field; an attribute is its own field.
  const fieldOf = (item: string) => (t.events.has(item) ? '' : item.slice(0, item.indexOf('=')));
  const perField = new Map<string, number>();
  const inSets = significant.map((s) => {
    const f = fieldOf(s.item);
    perField.set(f, (perField.get(f) ?? 0) + 1);
    return perField.get(f)! <= ELASTIC.FIELD_VALUE_LIMIT;
  });
  const sets: { idx: number[]; fgBits: Bits; support: number }[] = [];
  const grow = (idx: number[], bitsSoFar: Bits, support: number) => {
    if (idx.length >= 2) sets.push({ idx, fgBits: bitsSoFar, support });
    if (idx.length >= ELASTIC.MAX_SET_SIZE) return;
    for (let j = idx[idx.length - 1]! + 1; j < significant.length; j++) {
      if (!inSets[j]) continue;
      const next = and(bitsSoFar, significant[j]!.fgBits);
      const s = count(next);
      if (s >= minSupport) grow([...idx, j], next, s);
    }
  };
  significant.forEach((s, i) => inSets[i] && grow([i], s.fgBits, s.fgCount));
  // Closed: no superset with the same support.
  const closed = sets.filter((s) => !sets.some((o) => o.idx.length > s.idx.length && o.support === s.support && s.idx.every((i) => o.idx.includes(i))));
  closed.sort((a, b) => b.support - a.support || b.idx.length - a.idx.length);
  const top = closed.slice(0, ELASTIC.ITEM_SETS_SIZE);

  const covered = new Set<number>();
  const groups: number[][] = [];
  for (const s of top) {
    if (s.idx.some((i) => !covered.has(i))) {
      groups.push(s.idx);
      s.idx.forEach((i) => covered.add(i));
    }
  }
  significant.forEach((_, i) => {
    if (!covered.has(i)) groups.push([i]);
  });
  // A group ranks by its most significant item (Kibana shows groups by p-value), then by its size in the deviation.
  const ranked = groups
    .map((idx) => {
      const items = idx.map((i) => significant[i]!.item);
      let bits = significant[idx[0]!]!.bits;
      for (const i of idx.slice(1)) bits = and(bits, significant[i]!.bits);
      return { items, bits, p: Math.min(...idx.map((i) => significant[i]!.p)), fg: andCount(bits, t.failed) };
    })
    .sort((a, b) => a.p - b.p || b.fg - a.fg || (a.items.join() < b.items.join() ? -1 : 1));
  return ranked.map((g, i) => ({
    method: 'elastic',
    rank: i + 1,
    items: g.items,
    predicate: describeItems(g.items, t.events),
    score: g.p,
    worse: true,
    groups: g.bits,
  }));
}
