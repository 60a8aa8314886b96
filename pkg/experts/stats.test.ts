// Reference values come from SciPy 1.17.1 (call shown next to each number), from textbooks, or
// from short hand formulas evaluated in Python/NumPy; none are produced by stats.ts itself.
import {
  benjaminiHochberg,
  benjaminiYekutieli,
  betaBinomialShrink,
  changePointBinomial,
  chiSquareSf,
  chiSquareTest,
  fisherExact,
  gTest,
  logGamma,
  mannKendall,
  median,
  normalCdf,
  normalQuantile,
  normalSf,
  prevalenceRatio,
  ratioOfMeansCI,
  regularizedBeta,
  regularizedGammaP,
  riskRatio,
  robustZ,
  studentTSf,
  theilSen,
  twoByTwoTest,
  twoProportionZ,
  welchT,
  type Table2x2,
} from './stats';

/** Relative-error assertion; tails span hundreds of orders of magnitude, so absolute digits are useless there. */
function expectRel(actual: number, expected: number, rel = 1e-10): void {
  if (expected === 0) {
    expect(Math.abs(actual)).toBeLessThan(1e-300);
    return;
  }
  const err = Math.abs(actual - expected) / Math.abs(expected);
  if (!(err <= rel)) throw new Error(`expected ${expected}, got ${actual} (relative error ${err.toExponential(2)} > ${rel})`);
}

const tbl = (a: number, b: number, c: number, d: number): Table2x2 => ({ a, b, c, d });

describe('distributions', () => {
  test('logGamma matches scipy.special.gammaln', () => {
    const cases: [number, number][] = [
      [0.5, 0.5723649429247],
      [1.5, -0.12078223763524526],
      [3, 0.6931471805599453],
      [10, 12.801827480081469],
      [100.5, 361.43554046777757],
      [1e6, 12815504.569147611],
      [-0.5, 1.2655121234846454],
      [-2.5, -0.05624371649767401],
      [1e-8, 18.42068073818021],
    ];
    for (const [x, ref] of cases) expectRel(logGamma(x), ref, 1e-13);
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-14);
    expect(logGamma(0)).toBe(Infinity);
  });

  test('normalSf / normalCdf match scipy.stats.norm.sf / norm.cdf, including far tails', () => {
    const sf: [number, number][] = [
      [-3, 0.9986501019683699],
      [-1.96, 0.9750021048517795],
      [0, 0.5],
      [0.5, 0.3085375387259869],
      [1, 0.15865525393145707],
      [1.96, 0.024997895148220435],
      [5, 2.866515718791933e-7],
      [10, 7.61985302416047e-24],
      [20, 2.7536241186061556e-89],
      [30, 4.906713927147908e-198],
      [37, 5.7255712225239266e-300],
    ];
    for (const [z, ref] of sf) expectRel(normalSf(z), ref, 1e-12);
    expect(normalSf(-40)).toBe(1);
    expect(normalSf(Infinity)).toBe(0);
    expect(normalCdf(-Infinity)).toBe(0);
    const cdf: [number, number][] = [
      [-10, 7.61985302416047e-24],
      [-1, 0.15865525393145707],
      [0.3, 0.6179114221889526],
      [2, 0.9772498680518208],
    ];
    for (const [z, ref] of cdf) expectRel(normalCdf(z), ref, 1e-13);
  });

  test('normalQuantile matches scipy.stats.norm.ppf', () => {
    const cases: [number, number][] = [
      [1e-300, -37.0470962993612],
      [1e-20, -9.262340089798409],
      [1e-10, -6.361340902404056],
      [0.001, -3.090232306167813],
      [0.02, -2.053748910631823],
      [0.025, -1.9599639845400545],
      [0.3, -0.5244005127080409],
      [0.7, 0.5244005127080407],
      [0.975, 1.959963984540054],
      [0.999, 3.090232306167813],
      [1 - 1e-12, 7.0344869100478356],
    ];
    for (const [p, ref] of cases) expectRel(normalQuantile(p), ref, 1e-13);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.2)).toBeNaN();
  });

  test('chiSquareSf matches scipy.stats.chi2.sf (df=1 … 1e6, deep tails)', () => {
    const cases: [number, number, number][] = [
      [3.841458820694124, 1, 0.04999999999999989],
      [0.001, 1, 0.9747728793699604],
      [10, 1, 0.001565402258002549],
      [100, 1, 1.5239706048320995e-23],
      [500, 1, 9.505397766554137e-111],
      [5, 3, 0.1717971442967335],
      [20, 10, 0.029252688076961124],
      [1.5, 0.5, 0.10006348671550179],
      [900, 1000, 0.9892827619087102],
      [1200, 1000, 1.2255942330622893e-5],
    ];
    for (const [x, df, ref] of cases) expectRel(chiSquareSf(x, df), ref, 1e-11);
    // Large df; mpmath.gammainc(5e5, 5.025e5, inf, regularized=True) = 0.00020767800946703003
    expectRel(chiSquareSf(1005000, 1e6), 0.00020767800946702958, 1e-12);
    expect(chiSquareSf(1500, 1)).toBeLessThan(1e-300); // scipy: 0.0 (underflow)
    expect(chiSquareSf(0, 1)).toBe(1);
  });

  test('studentTSf matches scipy.stats.t.sf', () => {
    const cases: [number, number, number][] = [
      [2, 1, 0.14758361765043326],
      [-2, 1, 0.8524163823495667],
      [0.1, 5, 0.4621150705773302],
      [2.0, 10, 0.03669401738537018],
      [-1.5, 10, 0.9177463367772799],
      [10, 3, 0.0010641995292070751],
      [40, 30, 6.863022597203209e-28],
      [1e10, 2, 5e-21],
      [0.001, 30, 0.49960436788324253],
      [3, 2.5, 0.036288047774515914],
    ];
    for (const [t, df, ref] of cases) expectRel(studentTSf(t, df), ref, 1e-11);
    expectRel(studentTSf(5, 1e6), 2.8669989354453723e-7, 1e-10);
    expectRel(studentTSf(1.96, 1e9), 0.024997895286864812, 1e-12);
    // Huge df (Welch on very large cohorts), mpmath 50-digit betainc(df/2, 1/2, 0, df/(df+t²))/2:
    expectRel(studentTSf(2, 1e7), 0.022750145445921477, 1e-9);
    expectRel(studentTSf(10, 3e7), 7.6205006789684072e-24, 1e-9);
    expectRel(studentTSf(20, 3e8), 2.7539931263836553e-89, 1e-9);
    expectRel(studentTSf(37, 1e10), 5.7258398866334475e-300, 1e-8);
    expectRel(studentTSf(2, Infinity), 0.022750131948179195, 1e-13); // scipy.stats.norm.sf(2)
    expect(studentTSf(0, 7)).toBe(0.5);
  });

  test('regularized incomplete gamma / beta match scipy.special.gammainc / betainc', () => {
    const g: [number, number, number][] = [
      [0.5, 0.2, 0.47291074313446196],
      [1, 1, 0.6321205588285577],
      [3, 2, 0.32332358381693654],
      [10, 15, 0.9301463393005901],
      [100, 90, 0.15822098918643007],
      [1e4, 1e4 + 50, 0.6923424407025657],
    ];
    for (const [a, x, ref] of g) expectRel(regularizedGammaP(a, x), ref, 1e-10);
    const b: [number, number, number, number][] = [
      [0.3, 2, 3, 0.34829999999999994],
      [0.9, 0.5, 0.5, 0.7951672353008665],
      [0.5, 10, 10, 0.5],
      [0.999, 200, 2, 0.9823785953743628],
      [1e-5, 0.5, 30, 0.019460958645724724],
    ];
    for (const [x, a, bb, ref] of b) expectRel(regularizedBeta(x, a, bb), ref, 1e-11);
    expect(regularizedBeta(0.7, 1e4, 5e3)).toBeCloseTo(1, 14); // scipy: 1.0
  });
});

describe('2x2 tables', () => {
  test("Fisher's tea-tasting table [[3,1],[1,3]]", () => {
    expectRel(fisherExact(tbl(3, 1, 1, 3)).p, 17 / 35, 1e-12); // 0.4857142857, textbook
    expectRel(fisherExact(tbl(3, 1, 1, 3), 'greater').p, 0.24285714285714283, 1e-12); // = 17/70
    expectRel(fisherExact(tbl(3, 1, 1, 3), 'less').p, 0.9857142857142858, 1e-12);
  });

  test('fisherExact matches scipy.stats.fisher_exact for zero cells and large counts', () => {
    const cases: [Table2x2, number, number, number][] = [
      // table, two-sided, greater, less
      [tbl(0, 10, 5, 5), 0.032507739938080496, 1, 0.016253869969040248],
      [tbl(10, 0, 5, 5), 0.032507739938080496, 0.016253869969040248, 1],
      [tbl(0, 5, 0, 5), 1, 1, 1],
      [tbl(0, 0, 5, 5), 1, 1, 1],
      [tbl(1, 9, 11, 3), 0.0027594561852200836, 0.9999663480953022, 0.0013797280926100418],
      [tbl(7, 3, 2, 8), 0.06977851869492736, 0.03488925934746368, 0.9972612526792093],
      [tbl(50, 100, 80, 90), 0.01647639984451911, 0.9955523818109671, 0.00851185946321642],
      [tbl(30, 70, 900, 99000), 1.1297248658379417e-36, 1.1297248658379417e-36, 1],
      [tbl(120, 880, 4000, 96000), 1.277881764878529e-25, 1.277881764878529e-25, 1],
    ];
    for (const [t, two, greater, less] of cases) {
      expectRel(fisherExact(t).p, two, 1e-8);
      expectRel(fisherExact(t, 'greater').p, greater, 1e-8);
      expectRel(fisherExact(t, 'less').p, less, 1e-8);
    }
    expect(fisherExact(tbl(3000, 7000, 50000, 450000)).p).toBeLessThan(1e-300); // scipy: 0.0
    // Balanced large table, support of 10,201 tables: scipy fisher_exact = 0.04763991058108931
    expectRel(fisherExact(tbl(5000, 495000, 5200, 494800)).p, 0.04763991058108931, 1e-9);
    expect(fisherExact(tbl(-1, 2, 3, 4)).p).toBeNaN();
  });

  test('gTest and chiSquareTest match scipy.stats.chi2_contingency(correction=False[, lambda_="log-likelihood"])', () => {
    const cases: [Table2x2, [number, number], [number, number]][] = [
      [tbl(3, 1, 1, 3), [2.0929925750581915, 0.14797595938502317], [2.0, 0.15729920705028105]],
      [tbl(0, 10, 5, 5), [8.630462173553425, 0.003305876912189953], [6.666666666666667, 0.009823274507519235]],
      [tbl(1, 9, 11, 3), [12.22116970339398, 0.00047250298087596376], [10.971428571428572, 0.000925274037119762]],
      [tbl(50, 100, 80, 90), [6.26161589031398, 0.012338161635435505], [6.223704056521394, 0.012605113349574117]],
      // also scipy.stats.power_divergence(obs, exp, ddof=2, lambda_='log-likelihood') for the G value
      [tbl(30, 70, 900, 99000), [160.727441618386, 7.847174137168208e-37], [918.120033310661, 1.1292406130330611e-201]],
      [tbl(120, 880, 4000, 96000), [108.88709677657687, 1.7179811887793158e-25], [161.9459164775961, 4.251131888483882e-37]],
    ];
    for (const [t, [g, gp], [x2, x2p]] of cases) {
      const G = gTest(t);
      const X = chiSquareTest(t);
      expectRel(G.statistic, g, 1e-11);
      expectRel(G.p, gp, 1e-9);
      expectRel(X.statistic, x2, 1e-12);
      expectRel(X.p, x2p, 1e-9);
    }
    // scipy: G = 2987.118686364709, X2 = 4211.221667148342 (p underflow to 0)
    expectRel(gTest(tbl(3000, 7000, 50000, 450000)).statistic, 2987.118686364709, 1e-11);
    expectRel(chiSquareTest(tbl(3000, 7000, 50000, 450000)).statistic, 4211.221667148342, 1e-12);
    // Degenerate margin: scipy raises; we report no evidence.
    expect(gTest(tbl(0, 5, 0, 5))).toEqual({ statistic: 0, p: 1 });
    expect(chiSquareTest(tbl(0, 5, 0, 5))).toEqual({ statistic: 0, p: 1 });
  });

  test("Agresti's aspirin / myocardial infarction table (Physicians' Health Study)", () => {
    // Agresti, An Introduction to Categorical Data Analysis: X² = 25.01, G² = 25.37.
    const t = tbl(189, 10845, 104, 10933);
    expect(chiSquareTest(t).statistic).toBeCloseTo(25.01, 2);
    expect(gTest(t).statistic).toBeCloseTo(25.37, 2);
    // scipy chi2_contingency values
    expectRel(chiSquareTest(t).p, 5.691896973740789e-7, 1e-9);
    expectRel(gTest(t).p, 4.7274016040713987e-7, 1e-9);
    // Agresti: relative risk 1.82, 95% CI (1.43, 2.30), uncorrected; the +0.5 correction moves the
    // point estimate to 1.814. Exact corrected values from a NumPy evaluation of the Katz formula.
    const rr = riskRatio(t);
    expect(Math.abs(rr.value - 1.82)).toBeLessThan(0.01);
    expect(rr.ciLow).toBeCloseTo(1.43, 2);
    expect(rr.ciHigh).toBeCloseTo(2.3, 2);
    expectRel(rr.value, 1.8138901234219955, 1e-12);
    expectRel(rr.ciLow, 1.4306403947242872, 1e-12);
    expectRel(rr.ciHigh, 2.299807409311932, 1e-12);
  });

  test('twoByTwoTest picks G when all expected >= 5, Fisher otherwise', () => {
    // scipy chi2_contingency expected_freq minimum: 5.0 for [[1,9],[11,3]], 4.5 for [[7,3],[2,8]]
    const g = twoByTwoTest(tbl(1, 9, 11, 3));
    expect(g.test).toBe('g');
    expectRel(g.p, 0.00047250298087596376, 1e-9);
    const f = twoByTwoTest(tbl(7, 3, 2, 8));
    expect(f.test).toBe('fisher');
    expectRel(f.p, 0.06977851869492736, 1e-9);
    expect(twoByTwoTest(tbl(30, 70, 900, 99000)).test).toBe('fisher'); // min expected 0.93
    expect(twoByTwoTest(tbl(0, 0, 0, 0))).toEqual({ test: 'fisher', p: 1 });
  });

  test('prevalenceRatio and riskRatio: Haldane-Anscombe + Katz (NumPy hand formula, scipy norm.ppf)', () => {
    const cases: [Table2x2, number[], number[]][] = [
      [tbl(189, 10845, 104, 10933), [1.294345565435616, 1.1877725977323625, 1.4104807990698753], [1.8138901234219955, 1.4306403947242872, 2.299807409311932]],
      [tbl(0, 10, 5, 5), [0.12698412698412698, 0.008729154219315026, 1.8472543961064551], [0.0909090909090909, 0.0056862578332829376, 1.4534097911536128]],
      [tbl(30, 70, 900, 99000), [46.03706073694877, 30.25306770277624, 70.05606777203018], [33.501525555109644, 24.730587422409574, 45.38316034914105]],
      [tbl(0, 0, 5, 5), [1, 0.023446236249720448, 42.650768735298534], [1, 0.12910676037089702, 7.745527787446659]],
    ];
    for (const [t, pr, rr] of cases) {
      const P = prevalenceRatio(t);
      const R = riskRatio(t);
      expectRel(P.value, pr[0], 1e-12);
      expectRel(P.ciLow, pr[1], 1e-12);
      expectRel(P.ciHigh, pr[2], 1e-12);
      expectRel(R.value, rr[0], 1e-12);
      expectRel(R.ciLow, rr[1], 1e-12);
      expectRel(R.ciHigh, rr[2], 1e-12);
    }
    const r90 = riskRatio(tbl(30, 70, 900, 99000), 0.9);
    expectRel(r90.ciLow, 25.967445752580122, 1e-12);
    expectRel(r90.ciHigh, 43.221509932610445, 1e-12);
  });

  test('twoProportionZ: z² equals Pearson X² (scipy chi2_contingency), p = 2·norm.sf(|z|)', () => {
    const cases: [number[], number, number][] = [
      [[189, 11034, 104, 11037], 5.001388204008378, 5.691896973740789e-7],
      [[30, 100, 900, 99900], 30.300495595132777, 1.1292406130330611e-201],
      [[0, 20, 3, 40], -1.2565617248750864, 0.20891238174069476],
    ];
    for (const [[x1, n1, x0, n0], z, p] of cases) {
      const r = twoProportionZ(x1, n1, x0, n0);
      expectRel(r.z, z, 1e-12);
      expectRel(r.p, p, 1e-9);
    }
    expect(twoProportionZ(0, 10, 0, 20)).toEqual({ z: 0, p: 1 });
    expect(twoProportionZ(1, 0, 1, 5).p).toBeNaN();
  });

  test('welchT matches scipy.stats.ttest_ind_from_stats(equal_var=False)', () => {
    const cases: [number[], number, number, number][] = [
      [[10.5, 4.0, 20, 9.0, 9.0, 35], 2.218529918662356, 51.599375975038996, 0.03094366813150463],
      [[100, 2500, 1000, 98, 2000, 50000], 1.2549116102763171, 1031.2184693357822, 0.2097951703384629],
      [[1.2, 0.01, 3, 1.0, 4.0, 3], 0.17298897951146755, 2.0099999375003907, 0.87851309902243],
    ];
    for (const [[m1, v1, n1, m0, v0, n0], t, df, p] of cases) {
      const r = welchT(m1, v1, n1, m0, v0, n0);
      expectRel(r.t, t, 1e-12);
      expectRel(r.df, df, 1e-12);
      expectRel(r.p, p, 1e-9);
    }
    expect(welchT(1, 0, 5, 1, 0, 5).p).toBeNaN(); // scipy: nan
  });

  test('ratioOfMeansCI: delta method on the log ratio (NumPy hand formula, scipy norm.ppf)', () => {
    let r = ratioOfMeansCI(12, 16, 50, 10, 9, 80);
    expectRel(r.value, 1.2, 1e-14);
    expectRel(r.ciLow, 1.071358512930946, 1e-12);
    expectRel(r.ciHigh, 1.3440878871261788, 1e-12);
    r = ratioOfMeansCI(3.5, 40, 1000, 3, 30, 20000, 0.99);
    expectRel(r.ciLow, 1.0032560534745505, 1e-12);
    expectRel(r.ciHigh, 1.3566936440574775, 1e-12);
    expect(ratioOfMeansCI(-1, 1, 10, 2, 1, 10).value).toBeNaN();
  });
});

describe('multiple testing', () => {
  const ps = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04, 0.9, 0.0001, 0.06];

  test("BH matches scipy.stats.false_discovery_control(method='bh')", () => {
    const ref = [
      0.03333333333333333, 0.06666666666666667, 0.06666666666666667, 0.025, 0.5555555555555556, 0.25,
      0.06666666666666667, 0.9, 0.001, 0.08571428571428572,
    ];
    benjaminiHochberg(ps).forEach((q, i) => expectRel(q, ref[i], 1e-12));
  });

  test("BY matches scipy.stats.false_discovery_control(method='by')", () => {
    const ref = [
      0.09763227513227513, 0.19526455026455025, 0.19526455026455025, 0.07322420634920634, 1.0, 0.7322420634920634,
      0.19526455026455025, 1.0, 0.0029289682539682537, 0.25105442176870746,
    ];
    benjaminiYekutieli(ps).forEach((q, i) => expectRel(q, ref[i], 1e-12));
  });

  test('NaN p-values stay NaN and do not count in m', () => {
    // scipy on the 4 finite values [0.02, 0.01, 0.04, 0.03]: BH all 0.04, BY all 0.0833333...
    const q = benjaminiHochberg([0.02, NaN, 0.01, 0.04, NaN, 0.03]);
    expect(q[1]).toBeNaN();
    expect(q[4]).toBeNaN();
    for (const i of [0, 2, 3, 5]) expectRel(q[i], 0.04, 1e-12);
    const qy = benjaminiYekutieli([0.02, NaN, 0.01, 0.04, NaN, 0.03]);
    for (const i of [0, 2, 3, 5]) expectRel(qy[i], 0.08333333333333333, 1e-12);
    expect(benjaminiHochberg([])).toEqual([]);
    expect(benjaminiHochberg([NaN])[0]).toBeNaN();
  });
});

describe('trends', () => {
  // Hand Mann-Kendall in Python (tie-corrected variance, continuity-corrected z, 2·norm.sf);
  // S cross-checked against scipy.stats.kendalltau(arange(n), y): S = tau_b·sqrt(n0(n0 - n2)).
  test('mannKendall, monotone series', () => {
    const r = mannKendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.s).toBe(45);
    expectRel(r.z, 3.9354796403996297, 1e-12);
    expectRel(r.p, 8.303070332644974e-5, 1e-10);
    expect(r.tau).toBe(1);
  });

  test('mannKendall with ties', () => {
    let r = mannKendall([5, 3, 4, 4, 6, 6, 6, 8, 7, 9, 9, 12]);
    expect(r.s).toBe(53);
    expectRel(r.z, 3.6142498436559625, 1e-12);
    expectRel(r.p, 0.0003012184886102021, 1e-10);
    expectRel(r.tau, 0.803030303030303, 1e-12);
    r = mannKendall([3, 1, 2, 2, 2, 1, 3, 0, 1, 0]);
    expect(r.s).toBe(-19);
    expectRel(r.z, -1.6736644639091078, 1e-12);
    expectRel(r.p, 0.09419656149705055, 1e-10);
    r = mannKendall([10.2, 9.8, 10.1, 10.0, 9.9, 10.3, 10.05, 9.95]);
    expect(r.s).toBe(-2);
    expectRel(r.p, 0.9015386266571278, 1e-10);
    expect(mannKendall([1, 1, 1, 1])).toEqual({ s: 0, z: 0, p: 1, tau: 0 });
  });

  test('theilSen matches scipy.stats.theilslopes(y, x, method="joint")', () => {
    let r = theilSen([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1.0, 2.1, 2.9, 4.2, 5.1, 5.8, 7.3, 30.0, 9.1, 9.8]);
    expect(r.slope).toBeCloseTo(1.0000000000000002, 12);
    expect(r.intercept).toBeCloseTo(1.0999999999999983, 12);
    r = theilSen([1, 2, 2, 3, 5, 8], [2, 4, 3, 7, 9, 20]); // repeated x: those pairs are skipped
    expect(r.slope).toBeCloseTo(2.5357142857142856, 12);
    expect(r.intercept).toBeCloseTo(-0.839285714285714, 12);
    expect(theilSen([0, 1, 2, 3], [5, 5, 5, 5])).toEqual({ slope: 0, intercept: 5 });
  });

  // Reference: for each split k, G from scipy.stats.power_divergence(lambda_='log-likelihood') on the
  // before/after × failed/ok table; max over k; p = min(1, (n-3)·scipy.stats.chi2.sf(G, 1)).
  test('changePointBinomial finds a step up', () => {
    const r = changePointBinomial([10, 12, 9, 11, 10, 25, 27, 30, 24, 26], Array(10).fill(1000))!;
    expect(r.index).toBe(5);
    expectRel(r.before, 0.0104, 1e-12);
    expectRel(r.after, 0.0264, 1e-12);
    expectRel(r.statistic, 36.62286189923388, 1e-10);
    expectRel(r.p, 1.0033849796090937e-8, 1e-8);
  });

  test('changePointBinomial with zero-failure buckets and a flat series', () => {
    let r = changePointBinomial([0, 0, 0, 3, 40, 38], [100, 120, 90, 100, 110, 95])!;
    expect(r.index).toBe(4);
    expectRel(r.before, 0.007317073170731708, 1e-12);
    expectRel(r.after, 0.3804878048780488, 1e-12);
    expectRel(r.statistic, 171.3846115425361, 1e-10);
    expectRel(r.p, 1.1063225737448841e-38, 1e-8);
    r = changePointBinomial([5, 6, 4, 5, 7, 5, 6, 4], [500, 520, 480, 500, 510, 490, 505, 495])!;
    expect(r.index).toBe(4);
    expectRel(r.statistic, 0.09628473262048276, 1e-9);
    expect(r.p).toBe(1);
    expect(changePointBinomial([1, 2, 3], [10, 10, 10])).toBeNull();
  });
});

describe('cohorts among siblings', () => {
  test('betaBinomialShrink reduces to the classic equal-n moment equation', () => {
    // Equal n: s² (ddof=1) = p(1-p)/n · (1 + ρ(n-1)), solved for ρ in NumPy; alpha+beta = 1/ρ - 1.
    const r = betaBinomialShrink([4, 15, 9, 22, 7, 13], Array(6).fill(200));
    expectRel(r.alpha, 4.125659953218507, 1e-10);
    expectRel(r.beta, 66.59993924481304, 1e-10);
    const ref = [0.03001437609627272, 0.07064592343640318, 0.04848326125087747, 0.09650236265284982, 0.04109570718903557, 0.06325836937456128];
    r.rates.forEach((v, i) => expectRel(v, ref[i], 1e-12));
  });

  test('betaBinomialShrink with unequal n (weighted moments, NumPy hand evaluation)', () => {
    let r = betaBinomialShrink([5, 20, 2, 40, 12], [100, 200, 50, 300, 150]);
    expectRel(r.alpha, 11.021589310847009, 1e-10);
    expectRel(r.beta, 100.58944168507206, 1e-10);
    [0.07571244861595135, 0.09955228225297735, 0.08057364172855147, 0.12395583565240471, 0.08799930653996822].forEach((v, i) =>
      expectRel(r.rates[i], v, 1e-12),
    );
    r = betaBinomialShrink([0, 3, 50, 8], [10, 40, 200, 60]);
    expectRel(r.alpha, 3.6100620628291287, 1e-10);
    expectRel(r.rates[0], 0.12735604393551264, 1e-12);
    expectRel(r.rates[2], 0.24552778055622995, 1e-12);
  });

  test('betaBinomialShrink ignores empty cohorts in the fit and gives them the pooled rate', () => {
    const r = betaBinomialShrink([5, 20, 2, 0, 40, 12], [100, 200, 50, 0, 300, 150]);
    expectRel(r.alpha, 11.021589310847009, 1e-10); // same fit as without the empty cohort (above)
    expectRel(r.rates[3], 79 / 800, 1e-14);
    expectRel(r.rates[4], 0.12395583565240471, 1e-12);
  });

  test('betaBinomialShrink shrinks fully when spread is within binomial noise', () => {
    const r = betaBinomialShrink([10, 11, 9, 10], [100, 100, 100, 100]);
    expect(r.rates).toEqual([0.1, 0.1, 0.1, 0.1]);
    expect(r.alpha).toBe(Infinity);
  });

  test('median and robustZ', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    // NumPy: (x - 3) / (1.4826 · 1)
    const z = robustZ([1, 2, 3, 4, 100]);
    [-1.3489815189531904, -0.6744907594765952, 0, 0.6744907594765952, 65.42560366922973].forEach((v, i) =>
      expect(z[i]).toBeCloseTo(v, 12),
    );
    // MAD = 0: NumPy (x - 5) / (1.2533 · mean|x - 5|)
    const z2 = robustZ([5, 5, 5, 5, 5, 6, 9]);
    [0, 0, 0, 0, 0, 1.1170509853985477, 4.468203941594191].forEach((v, i) => expect(z2[i]).toBeCloseTo(v, 12));
    expect(robustZ([2, 2, 2])).toEqual([0, 0, 0]);
    const z3 = robustZ([1, NaN, 2, 3, 4, 100]);
    expect(z3[1]).toBeNaN();
    expect(z3[5]).toBeCloseTo(65.42560366922973, 12);
  });
});
