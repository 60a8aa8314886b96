/**
 * The lead's cohort-vs-rest series as the chart draws it: bucket times, values and, for rate KPIs, a 95% Wilson
 * interval per bucket (value is a failure rate over `groups` groups). Numeric KPIs get no band: the engine
 * reports only the mean per bucket, not its spread. Pure, so it is tested without rendering.
 */
import type { Series } from '../types/api';

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Wilson score interval for a proportion p observed over n trials; null without trials. */
export function wilson(p: number, n: number, z = Z95): { low: number; high: number } | null {
  if (!(n > 0) || !Number.isFinite(p)) {
    return null;
  }
  const q = Math.min(1, Math.max(0, p));
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (q + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((q * (1 - q)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** KPI kinds whose value is a failure rate (funnel, failure_events, failure_when); numeric KPIs are means. */
export function isRateKind(kind: string | undefined): boolean {
  return !!kind && kind !== 'numeric';
}

/** Series.from is epoch ms or an ISO string (or epoch ms as a string). NaN when unreadable. */
export function seriesStart(from: number | string): number {
  if (typeof from === 'number') {
    return from;
  }
  if (/^\d+$/.test(from.trim())) {
    return Number(from);
  }
  return Date.parse(from);
}

export interface BandPoint {
  /** Bucket start, epoch ms. */
  t: number;
  value: number | null;
  groups: number;
  low: number | null;
  high: number | null;
}

export interface ChartSeries {
  start: number;
  end: number;
  widthMs: number;
  rate: boolean;
  cohort: BandPoint[];
  rest: BandPoint[];
}

/** Buckets with their times and (for rate KPIs) Wilson bands; null when the series has no readable start. */
export function toChartSeries(s: Series, kind: string): ChartSeries | null {
  const start = seriesStart(s.from);
  if (!Number.isFinite(start) || !(s.width_ms > 0)) {
    return null;
  }
  const rate = isRateKind(kind);
  const points = (list: Series['cohort']): BandPoint[] =>
    list.map((pt, i) => {
      const value = pt.value === null || !Number.isFinite(pt.value) ? null : pt.value;
      const band = rate && value !== null ? wilson(value, pt.groups) : null;
      return { t: start + i * s.width_ms, value, groups: pt.groups, low: band?.low ?? null, high: band?.high ?? null };
    });
  const n = Math.max(s.cohort.length, s.rest.length);
  return {
    start,
    end: start + n * s.width_ms,
    widthMs: s.width_ms,
    rate,
    cohort: points(s.cohort),
    rest: points(s.rest),
  };
}

/** The y range to draw: every value and band edge, with rates starting at 0; [0, 1] when there is nothing. */
export function yExtent(c: ChartSeries): [number, number] {
  const vals: number[] = [];
  for (const p of [...c.cohort, ...c.rest]) {
    for (const v of [p.value, p.low, p.high]) {
      if (v !== null && Number.isFinite(v)) {
        vals.push(v);
      }
    }
  }
  if (!vals.length) {
    return [0, 1];
  }
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (c.rate || lo >= 0) {
    lo = 0;
  }
  if (hi === lo) {
    hi = lo === 0 ? 1 : lo * 1.1;
  }
  return [lo, hi];
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps); the last one ≥ hi. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) {
    return [lo];
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let v = first; out.length < 50; v += step) {
    out.push(Number(v.toPrecision(12)));
    if (v >= hi - step * 1e-9) {
      break;
    }
  }
  return out;
}

/** Up to `max` bucket boundaries to label on the time axis, evenly spaced, always including the first. */
export function timeTicks(start: number, end: number, widthMs: number, max = 6): number[] {
  const n = Math.round((end - start) / widthMs);
  if (!(n > 0)) {
    return [start];
  }
  const every = Math.max(1, Math.ceil(n / max));
  const out: number[] = [];
  for (let i = 0; i <= n; i += every) {
    out.push(start + i * widthMs);
  }
  return out;
}

/** A tick label: date only for day-sized buckets, date and time otherwise (UTC, as the engine reports). */
export function formatTick(t: number, widthMs: number): string {
  const iso = new Date(t).toISOString();
  return widthMs >= 86_400_000 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** SVG path of a line through the points with values, broken where a bucket has none. */
export function linePath(
  points: BandPoint[],
  x: (t: number) => number,
  y: (v: number) => number,
  widthMs: number
): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.value === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${round(x(p.t + widthMs / 2))},${round(y(p.value))}`;
    pen = true;
  }
  return d;
}

/** SVG path of the band (low..high) as closed polygons, one per run of buckets that have a band. */
export function bandPath(
  points: BandPoint[],
  x: (t: number) => number,
  y: (v: number) => number,
  widthMs: number
): string {
  const runs: BandPoint[][] = [];
  let cur: BandPoint[] = [];
  for (const p of points) {
    if (p.low === null || p.high === null) {
      if (cur.length) {
        runs.push(cur);
      }
      cur = [];
    } else {
      cur.push(p);
    }
  }
  if (cur.length) {
    runs.push(cur);
  }
  return runs
    .map((r) => {
      if (r.length === 1) {
        // A lone bucket: a box over the middle half of the bucket, so it stays visible.
        const p = r[0]!;
        const x0 = round(x(p.t + widthMs / 4));
        const x1 = round(x(p.t + (3 * widthMs) / 4));
        return `M${x0},${round(y(p.high!))}L${x1},${round(y(p.high!))}L${x1},${round(y(p.low!))}L${x0},${round(y(p.low!))}Z`;
      }
      const mid = (p: BandPoint) => round(x(p.t + widthMs / 2));
      const top = r.map((p, i) => `${i ? 'L' : 'M'}${mid(p)},${round(y(p.high!))}`).join('');
      const bottom = [...r]
        .reverse()
        .map((p) => `L${mid(p)},${round(y(p.low!))}`)
        .join('');
      return `${top}${bottom}Z`;
    })
    .join('');
}

const round = (v: number) => Math.round(v * 10) / 10;

/**
 * Wider buckets so each holds about `minGroups` cohort groups on average: a 50-group cohort over 60 daily buckets
 * has under one group a day, and its rate jumps between 0% and 100% inside bands that cover the axis. Merges k
 * neighbouring buckets (one k for the whole series, so the time axis stays even); a merged value is the
 * groups-weighted mean of its buckets.
 */
export function coarsen(s: Series, minGroups = 20): Series {
  const n = Math.max(s.cohort.length, s.rest.length);
  const total = s.cohort.reduce((a, p) => a + (p.groups || 0), 0);
  const k = total > 0 ? Math.min(n, Math.max(1, Math.ceil((minGroups * n) / total))) : 1;
  if (k === 1) {
    return s;
  }
  const merge = (list: Series['cohort']): Series['cohort'] => {
    const out: Series['cohort'] = [];
    for (let i = 0; i < list.length; i += k) {
      const part = list.slice(i, i + k);
      const groups = part.reduce((a, p) => a + (p.value === null ? 0 : p.groups), 0);
      const sum = part.reduce((a, p) => a + (p.value === null ? 0 : p.value * p.groups), 0);
      out.push({ groups, value: groups > 0 ? sum / groups : null });
    }
    return out;
  };
  return { from: s.from, width_ms: s.width_ms * k, cohort: merge(s.cohort), rest: merge(s.rest) };
}
