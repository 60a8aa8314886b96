/**
 * MacroBase DIFF (stanford-futuredata/macrobase, `lib/.../analysis/summary/aplinear/APLOutlierSummarizer.java`
 * and `APLSummarizer` / `APrioriLinear`): explanations are attribute-value combinations of order 1 to 3 among
 * the outliers (here: the failed groups), found level by level as in APriori:
 *  - SupportQualityMetric: a combination is PRUNEd (never expanded) when it holds less than minSupport = 1% of
 *    the outliers;
 *  - the ratio metric, here the risk ratio (RiskRatio.compute / RiskRatioQualityMetric, the one MacroBase-SQL's
 *    DIFF uses): (exposed outliers / exposed) / (unexposed outliers / unexposed), +∞ when every outlier is
 *    exposed, 0 when nothing or everything is exposed; a combination with ratio ≥ 3 is KEPT as an explanation and
 *    not expanded further, one below it is expanded to the next order;
 *  - order k+1 candidates are built only from combinations of order k that were expanded, every k-subset of a
 *    candidate must have been expanded, and a combination takes at most one value per attribute.
 * The attributes: every event (outcome events withheld) is a column with the value present or absent, plus the
 * group's static attributes. No significance test. Explanations are listed by risk ratio, then support.
 */
import { and, andCount, andCount3, count, describeItems, not, type Bits, type Cohort, type GroupTable } from '../quality/groups';

export const MACROBASE = { MIN_SUPPORT: 0.01, MIN_RISK_RATIO: 3, MAX_ORDER: 3 } as const;

/** MacroBase's RiskRatio.computeDouble. */
export function riskRatioOf(exposedInliers: number, exposedOutliers: number, totalInliers: number, totalOutliers: number): number {
  const exposed = exposedInliers + exposedOutliers;
  const unexposedOutliers = totalOutliers - exposedOutliers;
  const unexposed = totalInliers + totalOutliers - exposed;
  if (exposed === 0) return 0;
  if (unexposed === 0) return 0;
  if (unexposedOutliers === 0) return Infinity;
  return exposedOutliers / exposed / (unexposedOutliers / unexposed);
}

interface Item {
  label: string;
  /** One value per attribute in a combination: the event, or the attribute's name. */
  attribute: string;
  bits: Bits;
}

/** `seen.examined` counts the combinations judged (kept, expanded or pruned): the tests the search made. */
export function macrobaseDiff(t: GroupTable, seen: { examined: number } = { examined: 0 }): Cohort[] {
  const n = t.ids.length;
  const outliers = count(t.failed);
  const inliers = n - outliers;
  const minCount = MACROBASE.MIN_SUPPORT * outliers;
  const items: Item[] = [];
  for (const [label, bits] of t.items) {
    if (t.events.has(label)) {
      items.push({ label, attribute: label, bits });
      items.push({ label: `!${label}`, attribute: label, bits: not(bits, n) });
    } else items.push({ label, attribute: label.slice(0, label.indexOf('=')), bits });
  }
  items.sort((a, b) => (a.label < b.label ? -1 : 1));

  const kept: { idx: number[]; bits: Bits; ratio: number; support: number }[] = [];
  let expand: { idx: number[]; bits: Bits }[] = [];
  /** Support and ratio of (base ∧ extra); the conjunction is only built when kept or expanded further. */
  const judge = (idx: number[], base: Bits, extra: Bits | null, order: number) => {
    seen.examined++;
    const o = extra ? andCount3(base, extra, t.failed) : andCount(base, t.failed);
    if (o < minCount || o === 0) return; // PRUNE
    const exposed = extra ? andCount(base, extra) : count(base);
    const ratio = riskRatioOf(exposed - o, o, inliers, outliers);
    if (ratio >= MACROBASE.MIN_RISK_RATIO) kept.push({ idx, bits: extra ? and(base, extra) : base, ratio, support: o / outliers }); // KEEP
    else if (order < MACROBASE.MAX_ORDER) expand.push({ idx, bits: extra ? and(base, extra) : base }); // NEXT
  };
  // Level 1: every item.
  items.forEach((it, i) => judge([i], it.bits, null, 1));
  for (let order = 2; order <= MACROBASE.MAX_ORDER && expand.length; order++) {
    const prev = expand;
    expand = [];
    const prevKeys = new Set(prev.map((c) => c.idx.join(',')));
    // Join two (order−1)-combinations sharing all but their last item (APriori candidate generation).
    const byPrefix = new Map<string, { idx: number[]; bits: Bits }[]>();
    for (const c of prev) {
      const key = c.idx.slice(0, -1).join(',');
      const list = byPrefix.get(key) ?? [];
      list.push(c);
      byPrefix.set(key, list);
    }
    for (const list of byPrefix.values()) {
      for (let x = 0; x < list.length; x++) {
        for (let y = x + 1; y < list.length; y++) {
          const last = list[y]!.idx[list[y]!.idx.length - 1]!;
          const idx = [...list[x]!.idx, last].sort((a, b) => a - b);
          const attrs = idx.map((i) => items[i]!.attribute);
          if (new Set(attrs).size < attrs.length) continue;
          // Every subset one shorter must itself have been expanded.
          if (order > 2 && !idx.every((_, drop) => prevKeys.has(idx.filter((__, k) => k !== drop).join(',')))) continue;
          judge(idx, list[x]!.bits, items[last]!.bits, order);
        }
      }
    }
  }
  kept.sort((a, b) => b.ratio - a.ratio || b.support - a.support || (a.idx.join() < b.idx.join() ? -1 : 1));
  return kept.map((k, i) => {
    const labels = k.idx.map((j) => items[j]!.label);
    return { method: 'macrobase', rank: i + 1, items: labels, predicate: describeItems(labels, t.events), score: k.ratio, worse: true, groups: k.bits };
  });
}
