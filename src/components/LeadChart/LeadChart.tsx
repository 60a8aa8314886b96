/**
 * The cohort vs the rest of the KPI per time bucket, with a 95% Wilson band per bucket for rate KPIs.
 * A plain SVG styled from the theme; the numbers come from services/series.ts.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { formatKpiValue } from '../../services/format';
import { kpiUnit, plural } from '../../services/leadStatement';
import { bandPath, coarsen, formatTick, linePath, niceTicks, timeTicks, toChartSeries, yExtent } from '../../services/series';
import type { ContextSeries, Series } from '../../types/api';
import { testIds } from '../testIds';

export interface LeadChartProps {
  series: Series;
  /** The KPI's kind (funnel, failure_events, failure_when: a failure rate; numeric: a mean). */
  kind: string;
  kpiName?: string;
  height?: number;
  /** The dataset's group noun (session, trace…), for the legend. */
  noun?: string;
  /** Non-local leads: the context metric over the same range, its threshold and the windows above it (right axis). */
  context?: ContextSeries;
}

const W = 800;
const M = { top: 12, right: 16, bottom: 28, left: 56 };
/** Height of the context lane under the KPI's plot (non-local leads), sharing its time axis. */
const LANE = 84;

export function LeadChart({ series, kind, kpiName, height = 260, noun = 'group', context }: LeadChartProps) {
  const theme = useTheme2();
  const s = useStyles2(getStyles);
  // Buckets wide enough to hold ~20 cohort groups each: fewer, steadier points than one per day for small cohorts.
  const chart = useMemo(() => toChartSeries(coarsen(series, 20), kind), [series, kind]);
  if (!chart || !chart.cohort.length) {
    return (
      <div className={s.caption} data-testid={testIds.lead.chart}>
        No time series for this lead.
      </div>
    );
  }
  const cohortColor = theme.visualization.getColorByName('red');
  const restColor = theme.visualization.getColorByName('blue');
  const H = height;
  const [lo, hi] = yExtent(chart);
  const yTicks = niceTicks(lo, hi, 4);
  const yMax = Math.max(hi, yTicks[yTicks.length - 1]!);
  const yMin = Math.min(lo, yTicks[0]!);
  const right = M.right;
  const H_ALL = context ? height + LANE : height;
  const x = (t: number) =>
    M.left + ((Math.min(Math.max(t, chart.start), chart.end) - chart.start) / (chart.end - chart.start)) * (W - M.left - right);
  const ctxColor = theme.visualization.getColorByName('orange');
  const cx = context ? contextScale(context, H - M.bottom + 24, H_ALL - M.bottom - 6) : undefined;
  const y = (v: number) => M.top + (1 - (v - yMin) / (yMax - yMin || 1)) * (H - M.top - M.bottom);
  const xTicks = timeTicks(chart.start, chart.end, chart.widthMs);
  const unit = kpiUnit(kpiName ?? '');
  const yLabel = (v: number) =>
    chart.rate
      ? `${(v * 100).toFixed(v < 0.1 && v > 0 ? 1 : 0)}%`
      : `${formatKpiValue('numeric', v)}${unit && unit !== '%' ? ` ${unit}` : unit}`;
  const days = chart.widthMs / 86_400_000;
  const bucket = days >= 1 ? `${Number(days.toFixed(1))} ${days === 1 ? 'day' : 'days'}` : `${Math.round(days * 24)} h`;
  const what = chart.rate ? 'failure rate' : 'mean';

  return (
    <figure className={s.figure} data-testid={testIds.lead.chart}>
      <svg
        viewBox={`0 0 ${W} ${H_ALL}`}
        width="100%"
        role="img"
        aria-label={`${kpiName ?? 'KPI'} ${what} over time: cohort vs rest`}
        className={s.svg}
        style={context ? { maxHeight: 320 + LANE } : undefined}
      >
        {yTicks.map((v) => (
          <g key={`y${v}`}>
            <line x1={M.left} x2={W - right} y1={y(v)} y2={y(v)} stroke={theme.colors.border.weak} />
            <text x={M.left - 6} y={y(v)} textAnchor="end" dominantBaseline="middle" className={s.tick}>
              {yLabel(v)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <g key={`x${t}`}>
            <line x1={x(t)} x2={x(t)} y1={H - M.bottom} y2={H - M.bottom + 4} stroke={theme.colors.border.medium} />
            <text x={x(t)} y={(context ? H_ALL : H) - M.bottom + 16} textAnchor="middle" className={s.tick}>
              {formatTick(t, chart.widthMs)}
            </text>
          </g>
        ))}
        <line x1={M.left} x2={W - right} y1={H - M.bottom} y2={H - M.bottom} stroke={theme.colors.border.medium} />
        {context && cx && (
          <g data-testid="context-overlay">
            <text x={M.left} y={cx.top - 4} className={s.tick} fill={ctxColor}>
              {context.context}
            </text>
            {context.windows.map((w) => (
              <rect
                key={`w${w.from}`}
                data-testid="context-window"
                x={x(Date.parse(w.from))}
                width={Math.max(1, x(Date.parse(w.to)) - x(Date.parse(w.from)))}
                y={cx.top}
                height={cx.bottom - cx.top}
                fill={ctxColor}
                fillOpacity={0.25}
              />
            ))}
            <line
              data-testid="context-threshold"
              x1={M.left}
              x2={W - right}
              y1={cx.y(context.threshold)}
              y2={cx.y(context.threshold)}
              stroke={ctxColor}
              strokeDasharray="6 4"
            />
            <path
              data-testid="context-line"
              d={context.points
                .map((p, i) => `${i ? 'L' : 'M'}${x(Date.parse(p.time) + context.bucket_ms / 2).toFixed(1)},${cx.y(p.value).toFixed(1)}`)
                .join('')}
              fill="none"
              stroke={ctxColor}
              strokeWidth={1.5}
              strokeOpacity={0.9}
            />
            {cx.ticks.map((v) => (
              <text key={`cy${v}`} x={M.left - 6} y={cx.y(v)} textAnchor="end" dominantBaseline="middle" className={s.tick} fill={ctxColor}>
                {contextNumber(v)}
              </text>
            ))}
          </g>
        )}
        {chart.rate && (
          <>
            <path
              d={bandPath(chart.rest, x, y, chart.widthMs)}
              fill={restColor}
              fillOpacity={0.15}
              stroke="none"
              data-testid="band-rest"
            />
            <path
              d={bandPath(chart.cohort, x, y, chart.widthMs)}
              fill={cohortColor}
              fillOpacity={0.2}
              stroke="none"
              data-testid="band-cohort"
            />
          </>
        )}
        <path d={linePath(chart.rest, x, y, chart.widthMs)} fill="none" stroke={restColor} strokeWidth={2} />
        <path d={linePath(chart.cohort, x, y, chart.widthMs)} fill="none" stroke={cohortColor} strokeWidth={2} />
        {chart.cohort.map((p) =>
          p.value === null ? null : (
            <circle key={`c${p.t}`} cx={x(p.t + chart.widthMs / 2)} cy={y(p.value)} r={2.5} fill={cohortColor} />
          )
        )}
      </svg>
      <figcaption className={s.caption}>
        <span className={s.legend}>
          <span className={s.swatch} style={{ background: cohortColor }} /> Cohort
        </span>
        <span className={s.legend}>
          <span className={s.swatch} style={{ background: restColor }} /> Rest of the {plural(noun)}
        </span>
        {context && (
          <span className={s.legend} data-testid={testIds.lead.context}>
            <span className={s.swatch} style={{ background: ctxColor }} /> {context.context} below (highest per bucket),
            dashed: threshold {contextNumber(context.threshold)}, shaded: {context.windows.length}{' '}
            {context.windows.length === 1 ? 'window' : 'windows'} above it
          </span>
        )}
        <span>
          {chart.rate
            ? `${kpiName ?? 'KPI'} failure rate per ${bucket} bucket (sized to hold about 20 cohort ${plural(noun)}). Band: 95% Wilson interval (n = ${plural(noun)} in the bucket).`
            : `${kpiName ?? 'KPI'} mean per ${bucket} bucket${unit ? `, in ${unit}` : ''}. No uncertainty band: for numeric KPIs the engine reports only the mean per bucket, not its spread.`}
        </span>
      </figcaption>
    </figure>
  );
}

/** A context metric's value in three significant digits at most ("98", "87.5", "0"). */
const contextNumber = (v: number) => new Intl.NumberFormat('en', { maximumSignificantDigits: 3 }).format(v);

/** The context lane's y scale, between `top` and `bottom`: from 0 (or the lowest value) to the peak, two ticks. */
function contextScale(c: ContextSeries, top: number, bottom: number) {
  const values = [...c.points.map((p) => p.value), c.threshold];
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values);
  const y = (v: number) => top + (1 - (v - lo) / (hi - lo || 1)) * (bottom - top);
  return { y, top, bottom, ticks: [lo, hi] };
}

const getStyles = (theme: GrafanaTheme2) => ({
  figure: css({ margin: 0 }),
  svg: css({ display: 'block', maxHeight: 320 }),
  tick: css({ fill: theme.colors.text.secondary, fontSize: 11, fontFamily: theme.typography.fontFamily }),
  caption: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    alignItems: 'center',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginTop: theme.spacing(1),
  }),
  legend: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    color: theme.colors.text.primary,
  }),
  swatch: css({ display: 'inline-block', width: 14, height: 3, borderRadius: 2 }),
});
