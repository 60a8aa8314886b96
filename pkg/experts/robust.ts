import { normalQuantile, normalSf } from './stats';

/**
 * Cluster-robust inference for user-keyed data: a user's groups are not independent, so the variance of a
 * ratio of cell totals is estimated from per-user cell sums (the sandwich / ratio-estimator variance).
 * Cells per user, for one lead: binary KPIs A = in cohort & failed, B = in cohort & not, C = outside & failed,
 * D = outside & not; numeric KPIs A = groups in cohort, B = their KPI sum, C = groups outside, D = their sum.
 */
export interface CellMoments {
  /** Users (clusters). */
  m: number;
  /** Cell totals [A, B, C, D]. */
  t: [number, number, number, number];
  /** Σ over users of products of cells: [AA, BB, CC, DD, AB, AC, AD, BC, BD, CD]. */
  sq: number[];
}

export type RatioKind = 'risk_ratio' | 'prevalence_ratio' | 'ratio_of_means';

/** Cov(T_x, T_y) = m/(m−1) · (Σ x_u y_u − T_x T_y / m): the 4×4 covariance of the cell totals. */
export function cellCovariance(c: CellMoments): number[][] {
  const idx: Record<string, number> = { '00': 0, '11': 1, '22': 2, '33': 3, '01': 4, '02': 5, '03': 6, '12': 7, '13': 8, '23': 9 };
  const cov = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
  for (let x = 0; x < 4; x++) {
    for (let y = 0; y < 4; y++) {
      const k = x <= y ? `${x}${y}` : `${y}${x}`;
      cov[x]![y] = (c.m / Math.max(c.m - 1, 1)) * (c.sq[idx[k]!]! - (c.t[x]! * c.t[y]!) / c.m);
    }
  }
  return cov;
}

/** log of the ratio and its gradient with respect to [A, B, C, D]. */
function logRatio(kind: RatioKind, [A, B, C, D]: number[]): { value: number; grad: number[] } {
  switch (kind) {
    case 'risk_ratio': // (A/(A+B)) / (C/(C+D))
      return { value: Math.log(A! / (A! + B!)) - Math.log(C! / (C! + D!)), grad: [1 / A! - 1 / (A! + B!), -1 / (A! + B!), -1 / C! + 1 / (C! + D!), 1 / (C! + D!)] };
    case 'prevalence_ratio': // (A/(A+C)) / (B/(B+D))
      return { value: Math.log(A! / (A! + C!)) - Math.log(B! / (B! + D!)), grad: [1 / A! - 1 / (A! + C!), -1 / B! + 1 / (B! + D!), -1 / (A! + C!), 1 / (B! + D!)] };
    case 'ratio_of_means': // (B/A) / (D/C)
      return { value: Math.log(B! / A!) - Math.log(D! / C!), grad: [-1 / A!, 1 / B!, 1 / C!, -1 / D!] };
  }
}

/** The ratio with a cluster-robust 95% CI (delta method on the log scale) and a one-sided p for "ratio > 1". */
export function robustRatio(kind: RatioKind, c: CellMoments, level = 0.95): { value: number; ciLow: number; ciHigh: number; se: number; p: number } | null {
  if (c.m < 2 || c.t.some((x) => !(x > 0))) return null;
  const { value, grad } = logRatio(kind, c.t);
  const cov = cellCovariance(c);
  let v = 0;
  for (let x = 0; x < 4; x++) for (let y = 0; y < 4; y++) v += grad[x]! * cov[x]![y]! * grad[y]!;
  if (!(v > 0)) return null;
  const se = Math.sqrt(v);
  const z = normalQuantile(1 - (1 - level) / 2);
  return { value: Math.exp(value), ciLow: Math.exp(value - z * se), ciHigh: Math.exp(value + z * se), se, p: normalSf(value / se) };
}
