// Statistics layer of the opportunity finder: distributions, 2x2 tests, effect sizes,
// multiple-testing control, trend and change-point tests, and empirical-Bayes shrinkage.
// Pure functions, no dependencies. Invalid inputs yield NaN rather than throwing, so one
// bad aggregate cannot abort a run over thousands of hypotheses (BH skips NaN p-values).

const EPS = 1e-15;
const TINY = 1e-300;
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// ---------------------------------------------------------------- distributions

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log|Γ(x)|, Lanczos (g=7, n=9); ~1e-15 relative on Γ. */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0 && Number.isInteger(x)) return Infinity;
  // Reflection keeps the approximation in its accurate half-plane.
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (x + i);
  const t = x + 7.5;
  return LN_SQRT_2PI + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** log of the binomial coefficient C(n, k). */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** lnΓ(x) - [(x-½)ln x - x + ln√(2π)], the Stirling remainder, for x >= 10 (error < 1e-15). */
function stirlingCorr(x: number): number {
  const z = 1 / (x * x);
  return (1 / 12 - z * (1 / 360 - z * (1 / 1260 - z * (1 / 1680 - z * (1 / 1188 - (z * 691) / 360360))))) / x;
}

/**
 * ln B(a, b). Differencing lnΓ of huge arguments loses ~eps·a·ln a absolutely (1e-6 at a = 5e8,
 * e.g. a t-test with df = 1e9), so for large arguments the leading Stirling terms are cancelled
 * analytically (as in R's lbeta) and only the small remainders are differenced.
 */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  const r = p / (p + q);
  if (p >= 10) {
    const corr = stirlingCorr(p) + stirlingCorr(q) - stirlingCorr(p + q);
    return -0.5 * Math.log(q) + LN_SQRT_2PI + corr + (p - 0.5) * Math.log(r) + q * Math.log1p(-r);
  }
  if (q >= 10) {
    const corr = stirlingCorr(q) - stirlingCorr(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-r);
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

// W. J. Cody's rational Chebyshev erfc (CALERF, ACM TOMS 715): ~1e-16 relative over the whole
// range, including the far tail, which 1 - erf cannot give.
const ERF_A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const ERF_B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const ERF_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const ERF_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
const ERF_P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4,
  0.0163153871373020978,
];
const ERF_Q = [
  2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185,
];

/** Complementary error function, accurate in the upper tail down to underflow (x ≈ 26.6). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x === -Infinity) return 2;
  const y = Math.abs(x);
  let r: number;
  if (y <= 0.46875) {
    const ysq = y * y;
    let num = ERF_A[4] * ysq;
    let den = ysq;
    for (let i = 0; i < 3; i++) {
      num = (num + ERF_A[i]) * ysq;
      den = (den + ERF_B[i]) * ysq;
    }
    return 1 - (x * (num + ERF_A[3])) / (den + ERF_B[3]);
  }
  if (y <= 4) {
    let num = ERF_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERF_C[i]) * y;
      den = (den + ERF_D[i]) * y;
    }
    r = (num + ERF_C[7]) / (den + ERF_D[7]);
  } else {
    const z = 1 / (y * y);
    let num = ERF_P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERF_P[i]) * z;
      den = (den + ERF_Q[i]) * z;
    }
    r = (z * (num + ERF_P[4])) / (den + ERF_Q[4]);
    r = (1 / Math.sqrt(Math.PI) - r) / y;
  }
  // exp(-y²) split as exp(-ysq²)·exp(-(y-ysq)(y+ysq)) so the rounding of y² is not amplified.
  const ysq = Math.trunc(y * 16) / 16;
  r *= Math.exp(-ysq * ysq) * Math.exp(-(y - ysq) * (y + ysq));
  return x < 0 ? 2 - r : r;
}

/** P(Z <= z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(Z > z); relative accuracy ~1e-13 out to z ≈ 37 (values near 1e-300). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

const ACK_A = [
  -39.69683028665376, 220.9460984245205, -275.928510446969, 138.357751867269, -30.66479806614716, 2.506628277459239,
];
const ACK_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const ACK_C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACK_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

function quantileLower(p: number): number {
  // Acklam's rational approximation (1e-9 relative), for p <= 0.5.
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((ACK_C[0] * q + ACK_C[1]) * q + ACK_C[2]) * q + ACK_C[3]) * q + ACK_C[4]) * q + ACK_C[5]) /
      ((((ACK_D[0] * q + ACK_D[1]) * q + ACK_D[2]) * q + ACK_D[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((ACK_A[0] * r + ACK_A[1]) * r + ACK_A[2]) * r + ACK_A[3]) * r + ACK_A[4]) * r + ACK_A[5]) * q) /
      (((((ACK_B[0] * r + ACK_B[1]) * r + ACK_B[2]) * r + ACK_B[3]) * r + ACK_B[4]) * r + 1);
  }
  // One Halley step against the accurate CDF brings it to full double precision. Skipped only for
  // p below ~1e-305, where exp(x²/2) would overflow; 1e-9 relative is ample there.
  if (x * x < 1400) {
    const e = normalCdf(x) - p;
    const u = e * Math.exp(LN_SQRT_2PI + (x * x) / 2);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

/** Inverse standard normal CDF (Acklam + Halley refinement, ~1e-15 relative). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // 1 - p is exact for p >= 0.5, so the upper half reuses the accurate lower-tail branch.
  return p > 0.5 ? -quantileLower(1 - p) : quantileLower(p);
}

function gammaPQ(a: number, x: number): [number, number] {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return [NaN, NaN];
  if (x === 0) return [0, 1];
  if (x === Infinity) return [1, 0];
  // x^a e^-x / Γ(a); for large a written as a·(log1p(u) - u) with u = (x-a)/a plus Stirling terms, so
  // the O(a ln a) parts cancel analytically instead of in floating point (chi-square with huge df).
  const u = (x - a) / a;
  const logFront =
    a < 10
      ? a * Math.log(x) - x - logGamma(a)
      : a * (Math.log1p(u) - u) + 0.5 * Math.log(a) - LN_SQRT_2PI - stirlingCorr(a);
  const front = Math.exp(logFront);
  if (x < a + 1) {
    // Series for P; converges fast here and Q = 1 - P keeps relative accuracy since P is not near 1.
    let ap = a;
    let term = 1 / a;
    let sum = term;
    for (let i = 0; i < 1e6 && Math.abs(term) > Math.abs(sum) * EPS; i++) {
      ap += 1;
      term *= x / ap;
      sum += term;
    }
    const p = Math.min(1, sum * front);
    return [p, 1 - p];
  }
  // Continued fraction for Q (modified Lentz): computes the upper tail directly, no cancellation.
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1e6; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  const q = Math.min(1, front * h);
  return [1 - q, q];
}

/** Regularized lower incomplete gamma P(a, x). */
export function regularizedGammaP(a: number, x: number): number {
  return gammaPQ(a, x)[0];
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), computed without cancellation. */
export function regularizedGammaQ(a: number, x: number): number {
  return gammaPQ(a, x)[1];
}

/** P(X > x) for X ~ chi-square(df). */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

function betaCf(a: number, b: number, x: number): number {
  // Continued fraction for I_x(a,b) (Numerical Recipes betacf, modified Lentz).
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1e6; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

// I_x(a,b) given x, y = 1 - x and their logs, each supplied precisely by the caller: near x = 1
// (e.g. small t statistics) y cannot be recovered from x without cancellation.
function betaInc(a: number, b: number, x: number, y: number, lnx: number, lny: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * lnx + b * lny - logBeta(a, b));
  // Evaluate the fraction on the side where it converges quickly; the other tail is 1 - it.
  if (x < (a + 1) / (a + b + 2)) return (front * betaCf(a, b, x)) / a;
  return 1 - (front * betaCf(b, a, y)) / b;
}

/** Regularized incomplete beta I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (Number.isNaN(x) || !(a > 0) || !(b > 0) || x < 0 || x > 1) return NaN;
  return betaInc(a, b, x, 1 - x, Math.log(x), Math.log1p(-x));
}

/**
 * P(T > t) for Student's t with df degrees of freedom. Relative error below ~3e-9 for every df
 * (checked against mpmath, t up to 37). The beta continued fraction loses ~eps·df digits as df
 * grows, so for large df we switch to the normal transform of Abramowitz & Stegun 26.7.8 (R's pt
 * does likewise) wherever its error, empirically ≈ 0.05·t⁶/df², stays below 1e-12.
 */
export function studentTSf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (df === Infinity) return normalSf(t);
  if (df > 1e5 && t ** 6 < 2e-11 * df * df) {
    const v = 1 / (4 * df);
    return normalSf((t * (1 - v)) / Math.sqrt(1 + t * t * 2 * v));
  }
  if (t === 0) return 0.5;
  // P(|T| > |t|) = I_x(df/2, 1/2) with x = df/(df+t²); x, 1-x and their logs are formed from
  // log-ratios so that huge |t| neither overflows t² nor loses the tail.
  const lr = Math.log(df) - 2 * Math.log(Math.abs(t)); // log(df / t²)
  let x: number, y: number, lnx: number, lny: number;
  if (lr < 0) {
    const r = Math.exp(lr);
    lnx = lr - Math.log1p(r);
    lny = -Math.log1p(r);
    x = Math.exp(lnx);
    y = 1 / (1 + r);
  } else {
    const s = Math.exp(-lr); // t²/df <= 1
    lnx = -Math.log1p(s);
    lny = -lr - Math.log1p(s);
    x = 1 / (1 + s);
    y = Math.exp(lny);
  }
  const half = 0.5 * betaInc(df / 2, 0.5, x, y, lnx, lny);
  return t > 0 ? half : 1 - half;
}

// ---------------------------------------------------------------- 2x2 tables

/** a = in cohort & failed, b = in cohort & not failed, c = outside & failed, d = outside & not failed. */
export interface Table2x2 {
  a: number;
  b: number;
  c: number;
  d: number;
}

function validTable(t: Table2x2): boolean {
  return [t.a, t.b, t.c, t.d].every((v) => Number.isFinite(v) && v >= 0);
}

/** Likelihood-ratio G-test of independence, df = 1, no continuity correction. */
export function gTest(t: Table2x2): { statistic: number; p: number } {
  if (!validTable(t)) return { statistic: NaN, p: NaN };
  const n = t.a + t.b + t.c + t.d;
  const rows = [t.a + t.b, t.a + t.b, t.c + t.d, t.c + t.d];
  const cols = [t.a + t.c, t.b + t.d, t.a + t.c, t.b + t.d];
  const obs = [t.a, t.b, t.c, t.d];
  let g = 0;
  for (let i = 0; i < 4; i++) {
    const e = (rows[i] * cols[i]) / n;
    if (!(e > 0)) continue; // zero margin: the cell is 0 too and contributes nothing
    // Σ O ln(O/E) written as Σ [O ln(O/E) - (O - E)] (the added terms sum to 0): every term is >= 0,
    // so near-independent tables with huge counts do not cancel to a negative statistic.
    g += obs[i] > 0 ? obs[i] * Math.log(obs[i] / e) - (obs[i] - e) : e;
  }
  g = Math.max(0, 2 * g);
  return { statistic: g, p: chiSquareSf(g, 1) };
}

/** Pearson chi-square test of independence, df = 1, no Yates correction. Degenerate margins give statistic 0, p 1. */
export function chiSquareTest(t: Table2x2): { statistic: number; p: number } {
  if (!validTable(t)) return { statistic: NaN, p: NaN };
  const { a, b, c, d } = t;
  const n = a + b + c + d;
  const den = (a + b) * (c + d) * (a + c) * (b + d);
  if (den === 0) return { statistic: 0, p: 1 }; // an empty margin carries no evidence of association
  const diff = a * d - b * c;
  const x2 = n * (diff / den) * diff; // ordered to avoid overflow of n·diff² for huge tables
  return { statistic: x2, p: chiSquareSf(x2, 1) };
}

function logSumExp(xs: number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x; // no Math.max(...xs): supports can exceed the argument limit
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

/**
 * Fisher's exact test (conditional on both margins; a is hypergeometric).
 * 'greater' = P(A >= a) (cohort over-represented among failures), 'less' = P(A <= a).
 * Two-sided sums the tables no more probable than the observed one, with the 1e-7 relative
 * tolerance R and SciPy use so numerically equal probabilities are not dropped.
 * Works in log space and normalizes by the summed support (as R does), so large counts are fine.
 */
export function fisherExact(t: Table2x2, alternative: 'two-sided' | 'greater' | 'less' = 'two-sided'): { p: number } {
  if (!validTable(t)) return { p: NaN };
  const [a, b, c, d] = [t.a, t.b, t.c, t.d].map(Math.round);
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const lo = Math.max(0, c1 - r2);
  const hi = Math.min(r1, c1);
  const logp: number[] = [];
  for (let k = lo; k <= hi; k++) logp.push(logChoose(r1, k) + logChoose(r2, c1 - k));
  const total = logSumExp(logp);
  const obs = logp[a - lo];
  let selected: number[];
  if (alternative === 'greater') selected = logp.slice(a - lo);
  else if (alternative === 'less') selected = logp.slice(0, a - lo + 1);
  else {
    const cut = obs + Math.log1p(1e-7);
    selected = logp.filter((l) => l <= cut);
  }
  return { p: Math.min(1, Math.exp(logSumExp(selected) - total)) };
}

/** G-test when every expected count is >= 5 (chi-square approximation is sound), Fisher two-sided otherwise. */
export function twoByTwoTest(t: Table2x2): { test: 'g' | 'fisher'; statistic?: number; p: number } {
  const n = t.a + t.b + t.c + t.d;
  const r = [t.a + t.b, t.c + t.d];
  const c = [t.a + t.c, t.b + t.d];
  const minExpected = (Math.min(...r) * Math.min(...c)) / n;
  if (minExpected >= 5) {
    const g = gTest(t);
    return { test: 'g', statistic: g.statistic, p: g.p };
  }
  return { test: 'fisher', p: fisherExact(t).p };
}

export interface RatioCI {
  value: number;
  ciLow: number;
  ciHigh: number;
}

function logScaleCI(logValue: number, se: number, level: number): RatioCI {
  const z = normalQuantile(1 - (1 - level) / 2);
  return { value: Math.exp(logValue), ciLow: Math.exp(logValue - z * se), ciHigh: Math.exp(logValue + z * se) };
}

/**
 * How common the cohort is among failures relative to among non-failures: (a/(a+c)) / (b/(b+d)).
 * 0.5 is added to every cell (Haldane-Anscombe) so zero cells stay finite; Katz log-scale CI.
 */
export function prevalenceRatio(t: Table2x2, level = 0.95): RatioCI {
  if (!validTable(t)) return { value: NaN, ciLow: NaN, ciHigh: NaN };
  const [a, b, c, d] = [t.a + 0.5, t.b + 0.5, t.c + 0.5, t.d + 0.5];
  const logValue = Math.log(a / (a + c)) - Math.log(b / (b + d));
  const se = Math.sqrt(1 / a - 1 / (a + c) + 1 / b - 1 / (b + d));
  return logScaleCI(logValue, se, level);
}

/** Failure rate in the cohort over failure rate outside: (a/(a+b)) / (c/(c+d)); same correction and Katz CI. */
export function riskRatio(t: Table2x2, level = 0.95): RatioCI {
  if (!validTable(t)) return { value: NaN, ciLow: NaN, ciHigh: NaN };
  const [a, b, c, d] = [t.a + 0.5, t.b + 0.5, t.c + 0.5, t.d + 0.5];
  const logValue = Math.log(a / (a + b)) - Math.log(c / (c + d));
  const se = Math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d));
  return logScaleCI(logValue, se, level);
}

/** Two-proportion z-test with pooled variance, two-sided (z² equals Pearson's chi-square). */
export function twoProportionZ(x1: number, n1: number, x0: number, n0: number): { z: number; p: number } {
  if (!(n1 > 0) || !(n0 > 0) || !(x1 >= 0) || !(x0 >= 0) || x1 > n1 || x0 > n0) return { z: NaN, p: NaN };
  const pooled = (x1 + x0) / (n1 + n0);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  if (se === 0) return { z: 0, p: 1 }; // all or none failed: no difference is observable
  const z = (x1 / n1 - x0 / n0) / se;
  return { z, p: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** Welch's unequal-variance t-test from summary statistics (v = sample variances), two-sided. */
export function welchT(
  m1: number,
  v1: number,
  n1: number,
  m0: number,
  v0: number,
  n0: number
): { t: number; df: number; p: number } {
  const s1 = v1 / n1;
  const s0 = v0 / n0;
  const se2 = s1 + s0;
  if (!(n1 >= 2) || !(n0 >= 2) || !(v1 >= 0) || !(v0 >= 0) || !(se2 > 0)) return { t: NaN, df: NaN, p: NaN };
  const t = (m1 - m0) / Math.sqrt(se2);
  const df = (se2 * se2) / ((s1 * s1) / (n1 - 1) + (s0 * s0) / (n0 - 1));
  return { t, df, p: Math.min(1, 2 * studentTSf(Math.abs(t), df)) };
}

/** CI for m1/m0 by the delta method on log(m1/m0): var ≈ v1/(n1·m1²) + v0/(n0·m0²). Positive means only. */
export function ratioOfMeansCI(
  m1: number,
  v1: number,
  n1: number,
  m0: number,
  v0: number,
  n0: number,
  level = 0.95
): RatioCI {
  if (!(m1 > 0) || !(m0 > 0) || !(n1 > 0) || !(n0 > 0)) return { value: NaN, ciLow: NaN, ciHigh: NaN };
  const se = Math.sqrt(v1 / (n1 * m1 * m1) + v0 / (n0 * m0 * m0));
  return logScaleCI(Math.log(m1 / m0), se, level);
}

// ---------------------------------------------------------------- multiple testing

function stepUp(p: number[], factor: (m: number) => number): number[] {
  const idx = p.map((_, i) => i).filter((i) => !Number.isNaN(p[i]));
  idx.sort((i, j) => p[i] - p[j]);
  const m = idx.length;
  const f = factor(m);
  const q = p.map(() => NaN);
  let running = Infinity;
  // Walk from the largest p down, taking the running minimum so q-values are monotone in p.
  for (let k = m - 1; k >= 0; k--) {
    running = Math.min(running, (p[idx[k]] * m * f) / (k + 1));
    q[idx[k]] = Math.min(1, running);
  }
  return q;
}

/** Benjamini-Hochberg q-values in input order; NaN p-values stay NaN and are excluded from m. */
export function benjaminiHochberg(p: number[]): number[] {
  return stepUp(p, () => 1);
}

/** Benjamini-Yekutieli (valid under arbitrary dependence): BH scaled by c(m) = Σ 1/i. */
export function benjaminiYekutieli(p: number[]): number[] {
  return stepUp(p, (m) => {
    let c = 0;
    for (let i = 1; i <= m; i++) c += 1 / i;
    return c;
  });
}

// ---------------------------------------------------------------- trends

/**
 * Mann-Kendall trend test. Non-finite values are dropped (only order matters).
 * Variance includes the tie correction; z has the ±1 continuity correction; p is two-sided.
 * tau is Kendall's tau-a, S / (n(n-1)/2).
 */
export function mannKendall(y: number[]): { s: number; z: number; p: number; tau: number } {
  const v = y.filter(Number.isFinite);
  const n = v.length;
  if (n < 2) return { s: 0, z: 0, p: 1, tau: 0 };
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign(v[j] - v[i]);
  const counts = new Map<number, number>();
  for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of counts.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = s === 0 || variance <= 0 ? 0 : (s - Math.sign(s)) / Math.sqrt(variance);
  return { s, z, p: Math.min(1, 2 * normalSf(Math.abs(z))), tau: s / ((n * (n - 1)) / 2) };
}

/** Theil-Sen: median of pairwise slopes (pairs with equal x skipped), intercept = median(y - slope·x). */
export function theilSen(x: number[], y: number[]): { slope: number; intercept: number } {
  const pts: [number, number][] = [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) pts.push([x[i], y[i]]);
  }
  const slopes: number[] = [];
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) {
      if (pts[j][0] !== pts[i][0]) slopes.push((pts[j][1] - pts[i][1]) / (pts[j][0] - pts[i][0]));
    }
  }
  if (slopes.length === 0) return { slope: NaN, intercept: NaN };
  const slope = median(slopes);
  return { slope, intercept: median(pts.map(([xi, yi]) => yi - slope * xi)) };
}

function binomLogLik(x: number, n: number): number {
  if (n <= 0 || x <= 0 || x >= n) return 0; // 0·log 0 = 0
  return x * Math.log(x / n) + (n - x) * Math.log1p(-x / n);
}

/**
 * Single change point in a rate series: the split maximizing the binomial likelihood-ratio
 * statistic 2[ℓ(before) + ℓ(after) - ℓ(all)] (the G statistic of the before/after × fail/ok table),
 * with at least 2 buckets per side. index is the first bucket of the "after" segment.
 *
 * p-value: each split's statistic is asymptotically chi-square(1) under "no change", so by the
 * union bound P(max > s) <= K · P(chi2(1) > s) for K candidate splits. This Bonferroni bound is
 * deterministic and valid but conservative, since neighbouring splits are strongly correlated.
 * Returns null when fewer than 4 buckets allow no split.
 */
export function changePointBinomial(
  failures: number[],
  totals: number[]
): { index: number; before: number; after: number; statistic: number; p: number } | null {
  const n = Math.min(failures.length, totals.length);
  if (n < 4) return null;
  let X = 0;
  let N = 0;
  for (let i = 0; i < n; i++) {
    X += failures[i];
    N += totals[i];
  }
  const llAll = binomLogLik(X, N);
  let best = { index: -1, statistic: -Infinity, x1: 0, n1: 0 };
  let x1 = failures[0] + failures[1];
  let n1 = totals[0] + totals[1];
  for (let k = 2; k <= n - 2; k++) {
    const stat = Math.max(0, 2 * (binomLogLik(x1, n1) + binomLogLik(X - x1, N - n1) - llAll));
    if (stat > best.statistic) best = { index: k, statistic: stat, x1, n1 };
    x1 += failures[k];
    n1 += totals[k];
  }
  if (!Number.isFinite(best.statistic)) return null;
  const splits = n - 3;
  return {
    index: best.index,
    before: best.x1 / best.n1,
    after: (X - best.x1) / (N - best.n1),
    statistic: best.statistic,
    p: Math.min(1, splits * chiSquareSf(best.statistic, 1)),
  };
}

// ---------------------------------------------------------------- siblings

/**
 * Empirical-Bayes shrinkage of sibling cohort failure rates toward a Beta(alpha, beta) prior,
 * fitted by weighted method of moments (Kleinman 1973): with pooled rate p and
 * S = Σ n_i (r_i - p)², E[S] = p(1-p) [(k-1) + ρ (N - Σn_i²/N - (k-1))], where ρ = 1/(alpha+beta+1)
 * is the intra-class correlation. Solving for ρ gives alpha + beta = 1/ρ - 1.
 * If ρ <= 0 (spread no larger than binomial noise) or it cannot be identified, every rate shrinks
 * fully to the pooled rate and alpha, beta are returned as Infinity (a point-mass prior).
 * If ρ >= 1 (no within-cohort binomial noise left to explain) rates are left unshrunk: alpha = beta = 0.
 * Shrunk rate = (x + alpha) / (n + alpha + beta); cohorts with n = 0 get the pooled rate.
 */
export function betaBinomialShrink(
  failures: number[],
  totals: number[]
): { rates: number[]; alpha: number; beta: number } {
  const len = Math.min(failures.length, totals.length);
  let k = 0; // cohorts with data; empty ones carry no information about the spread
  let X = 0;
  let N = 0;
  let sumN2 = 0;
  for (let i = 0; i < len; i++) {
    if (!(totals[i] > 0)) continue;
    k++;
    X += failures[i];
    N += totals[i];
    sumN2 += totals[i] * totals[i];
  }
  if (k === 0) return { rates: Array(len).fill(NaN), alpha: NaN, beta: NaN };
  const p = X / N;
  let S = 0;
  for (let i = 0; i < len; i++) if (totals[i] > 0) S += totals[i] * (failures[i] / totals[i] - p) ** 2;
  const den = N - sumN2 / N - (k - 1);
  const rho = k >= 2 && p > 0 && p < 1 && den > 0 ? (S / (p * (1 - p)) - (k - 1)) / den : 0;
  if (!(rho > 0)) return { rates: Array(len).fill(p), alpha: Infinity, beta: Infinity };
  const ab = rho >= 1 ? 0 : 1 / rho - 1;
  const alpha = p * ab;
  const beta = (1 - p) * ab;
  const rates: number[] = [];
  for (let i = 0; i < len; i++) rates.push(totals[i] > 0 ? (failures[i] + alpha) / (totals[i] + ab) : p);
  return { rates, alpha, beta };
}

/** Median of the non-NaN values (NaN when there are none). */
export function median(values: number[]): number {
  // A typed array sorts numbers natively, several times faster than a comparator over a plain array.
  const v = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
  const n = v.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/**
 * Robust z-scores (x - median) / (1.4826·MAD); 1.4826 makes MAD consistent for σ under normality.
 * When over half the values coincide MAD is 0, so fall back to the mean absolute deviation from the
 * median scaled by 1.2533 (= sqrt(π/2), its normal-consistency factor); if that is 0 too, all zeros.
 * NaN inputs give NaN outputs and do not affect the others.
 */
export function robustZ(values: number[]): number[] {
  const med = median(values);
  const dev = values.filter((x) => !Number.isNaN(x)).map((x) => Math.abs(x - med));
  const mad = median(dev);
  let scale = 1.4826 * mad;
  if (!(scale > 0)) scale = dev.length ? (1.2533 * dev.reduce((s, x) => s + x, 0)) / dev.length : 0;
  return values.map((x) => (Number.isNaN(x) ? NaN : scale > 0 ? (x - med) / scale : 0));
}

/** Sample variance from a sum of squares, a sum and a count (the aggregates ClickHouse returns). */
export function sampleVariance(sumSq: number, sum: number, n: number): number {
  if (n < 2) return 0;
  return Math.max(0, (sumSq - (sum * sum) / n) / (n - 1));
}

/**
 * One-sided p-value for "the cohort's failure rate is higher" (a/(a+b) > c/(c+d)): Fisher's exact "greater"
 * when an expected count is under 5, else the G statistic's two-sided p halved in the observed direction.
 * Leads are only ever harms, so protective differences must not crowd the false discovery rate.
 */
export function twoByTwoGreater(t: Table2x2): { test: 'g' | 'fisher'; p: number } {
  const two = twoByTwoTest(t);
  if (two.test === 'fisher') return { test: 'fisher', p: fisherExact(t, 'greater').p };
  const higher = t.a * (t.c + t.d) > t.c * (t.a + t.b);
  return { test: 'g', p: higher ? two.p / 2 : 1 - two.p / 2 };
}

/**
 * Sen's (1968) confidence interval for the Theil–Sen slope (his eq. 2.6, with tie corrections): the pairwise
 * slopes ranked and cut at round((N ∓ z·σ)/2), as scipy.stats.theilslopes does.
 */
export function theilSenCI(x: number[], y: number[], level = 0.95): { low: number; high: number } {
  const n = Math.min(x.length, y.length);
  const all = new Float64Array((n * (n - 1)) / 2);
  let N = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (x[j]! > x[i]!) all[N++] = (y[j]! - y[i]!) / (x[j]! - x[i]!);
  const slopes = all.subarray(0, N).sort();
  if (N === 0) return { low: NaN, high: NaN };
  const ties = (v: number[]) => {
    const c = new Map<number, number>();
    v.slice(0, n).forEach((a) => c.set(a, (c.get(a) ?? 0) + 1));
    return [...c.values()].filter((k) => k > 1).reduce((acc, k) => acc + k * (k - 1) * (2 * k + 5), 0);
  };
  const sigma = Math.sqrt((n * (n - 1) * (2 * n + 5) - ties(x) - ties(y)) / 18);
  const c = normalQuantile(1 - (1 - level) / 2) * sigma;
  const lo = Math.max(Math.round((N - c) / 2) - 1, 0);
  const hi = Math.min(Math.round((N + c) / 2), N - 1);
  return { low: slopes[lo]!, high: slopes[hi]! };
}

/**
 * Score test for a log-linear trend in a rate ratio over time: observed counts y_t against expected e_t (from a
 * reference, e.g. the rest's rate in the same bucket), under y_t ~ Poisson(θ·e_t·exp(β·t)), H0: β = 0.
 * U = Σ t (y − θ̂ e) with θ̂ = Σy/Σe; Var U = θ̂ Σ e (t − t̄_e)², t̄_e = Σ e t / Σ e. z = U / √Var; p one-sided
 * (increasing). Uses every group's outcome, so it has far more power than a rank test over bucket means.
 */
export function rateRatioTrend(y: number[], e: number[], t: number[]): { z: number; p: number; theta: number } {
  let sy = 0;
  let se = 0;
  let set = 0;
  for (let i = 0; i < y.length; i++) {
    sy += y[i]!;
    se += e[i]!;
    set += e[i]! * t[i]!;
  }
  if (!(se > 0) || !(sy > 0)) return { z: 0, p: 1, theta: NaN };
  const theta = sy / se;
  const tbar = set / se;
  let u = 0;
  let v = 0;
  for (let i = 0; i < y.length; i++) {
    u += t[i]! * (y[i]! - theta * e[i]!);
    v += theta * e[i]! * (t[i]! - tbar) ** 2;
  }
  if (!(v > 0)) return { z: 0, p: 1, theta };
  const z = u / Math.sqrt(v);
  return { z, p: normalSf(z), theta };
}
