/**
 * Small labelled scenarios that stress how leads are folded, named and ranked, for tests and the quality bench.
 *
 * multiFailureScenario() writes into outDir:
 *   events.csv     one row per event (ts, job, event_name, region, failed); `failed` is the group's label
 *   surfacer.yaml  a config with one KPI, `job_failed` (failure_when max(failed) = 1: the label is withheld)
 *   truth.json     the failure modes, each with its marker and its groups' sizes as written
 *
 * One KPI fails for several distinct reasons, as real jobs do (the shape of labelled log datasets such as
 * loghub's): disjoint cohorts failing at 80–100%, a small pure cohort (< 1% of groups), a narrow sub-cohort
 * inside a broad one, and an expected step missing whose neighbours then occur back to back (an adjacency
 * proxy of the absence). Every group follows one normal flow with noise events around it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { rng } from '../util/random';

export interface FailureMode {
  id: string;
  description: string;
  /** What an operator should be told: the event present (or missing) in the mode's groups. */
  marker: { event: string; present: boolean };
  /** Groups of this mode (a refinement's are inside its parent's). */
  groups: number;
  failed: number;
  /** The mode this one refines (its groups are inside that mode's). */
  inside?: string;
}

export interface ScenarioTruth {
  name: string;
  seed: number;
  groups: number;
  failed: number;
  kpi: string;
  modes: FailureMode[];
}

export interface ScenarioFiles {
  outDir: string;
  config: string;
  events: string;
  truth: ScenarioTruth;
}

/** The normal flow every group follows; `validate` is the step that goes missing in one mode. */
const FLOW = ['start', 'auth', 'load_config', 'validate', 'commit', 'finish'];
const NOISE = ['page_view', 'click', 'scroll', 'heartbeat', 'search', 'cache_hit', 'gc_pause', 'log_rotate'];
const REGIONS = ['eu', 'us', 'ap', 'sa'];

/**
 * Failure modes by share of groups. Rates are chosen so each mode is unmistakable to a person reading the data,
 * not to sit on any threshold: the point is what the analysis shows, not whether it can detect.
 */
const MODES = {
  broad: { share: 0.08, rate: 0.85 }, // disk_warn: a broad failure mode…
  narrow: { within: 0.25, rate: 1 }, // …disk_full inside a quarter of it, always failing
  disjoint: { share: 0.05, rate: 0.95 }, // cache_miss_burst, no disk_warn
  pure: { share: 0.006, rate: 1 }, // kernel_panic: < 1% of groups, always failing
  missing: { share: 0.04, rate: 0.9 }, // validate missing: load_config, commit back to back
  base: 0.03,
};

export function multiFailureScenario(opts: { groups?: number; seed?: number; outDir: string }): ScenarioFiles {
  const n = opts.groups ?? 6000;
  const seed = opts.seed ?? 7;
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const rand = rng(seed);
  const t0 = Date.UTC(2026, 9, 1);
  const span = 14 * 86_400_000;
  const lines = ['ts,job,event_name,region,failed'];
  const count = { broad: [0, 0], narrow: [0, 0], disjoint: [0, 0], pure: [0, 0], missing: [0, 0] };
  let failedTotal = 0;
  for (let g = 0; g < n; g++) {
    // Disjoint modes take consecutive slices of a uniform draw; the narrow one lives inside the broad one.
    const u = rand();
    let mode: keyof typeof count | null = null;
    let edge = MODES.broad.share;
    if (u < edge) mode = rand() < MODES.narrow.within ? 'narrow' : 'broad';
    else if (u < (edge += MODES.disjoint.share)) mode = 'disjoint';
    else if (u < (edge += MODES.pure.share)) mode = 'pure';
    else if (u < (edge += MODES.missing.share)) mode = 'missing';
    const rate = mode === null ? MODES.base : mode === 'broad' ? MODES.broad.rate : MODES[mode].rate;
    const failed = rand() < rate ? 1 : 0;
    failedTotal += failed;
    if (mode) {
      count[mode][0]++;
      count[mode][1] += failed;
    }
    const events: string[] = [];
    for (const step of FLOW) {
      if (step === 'validate' && mode === 'missing') continue;
      events.push(step);
      // Noise between steps, but never between load_config and validate/commit: their adjacency is the proxy.
      if (step !== 'load_config')
        for (let k = Math.floor(rand() * 3); k > 0; k--) events.push(NOISE[Math.floor(rand() * NOISE.length)]!);
      if (step === 'auth' && (mode === 'broad' || mode === 'narrow')) events.push('disk_warn');
      if (step === 'auth' && mode === 'narrow') events.push('disk_full');
      if (step === 'commit' && mode === 'disjoint') events.push('cache_miss_burst');
      if (step === 'commit' && mode === 'pure') events.push('kernel_panic');
    }
    const start = t0 + Math.floor(rand() * span);
    const region = REGIONS[Math.floor(rand() * REGIONS.length)]!;
    events.forEach((e, i) => {
      const ts = new Date(start + i * 1000 + Math.floor(rand() * 500)).toISOString().replace('T', ' ').slice(0, 23);
      lines.push(`${ts},job-${g},${e},${region},${failed}`);
    });
  }
  const events = join(outDir, 'events.csv');
  writeFileSync(events, `${lines.join('\n')}\n`);
  const both = (k: keyof typeof count) => ({ groups: count[k][0]!, failed: count[k][1]! });
  const broad = { groups: count.broad[0]! + count.narrow[0]!, failed: count.broad[1]! + count.narrow[1]! };
  const truth: ScenarioTruth = {
    name: 'multi_failure',
    seed,
    groups: n,
    failed: failedTotal,
    kpi: 'job_failed',
    modes: [
      {
        id: 'broad',
        description: 'disk_warn: a broad failure mode',
        marker: { event: 'disk_warn', present: true },
        ...broad,
      },
      {
        id: 'narrow',
        description: 'disk_full: a narrow sub-cohort of disk_warn that always fails',
        marker: { event: 'disk_full', present: true },
        inside: 'broad',
        ...both('narrow'),
      },
      {
        id: 'disjoint',
        description: 'cache_miss_burst: a second failure mode, disjoint from disk_warn',
        marker: { event: 'cache_miss_burst', present: true },
        ...both('disjoint'),
      },
      {
        id: 'pure',
        description: 'kernel_panic: a small cohort (< 1% of groups) that always fails',
        marker: { event: 'kernel_panic', present: true },
        ...both('pure'),
      },
      {
        id: 'missing',
        description: 'validate missing (load_config and commit then occur back to back)',
        marker: { event: 'validate', present: false },
        ...both('missing'),
      },
    ],
  };
  writeFileSync(join(outDir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
  const config = join(outDir, 'surfacer.yaml');
  writeFileSync(
    config,
    [
      'store:',
      '  embedded: ./.surfacer',
      'dataset:',
      '  events: {source: events.csv, time: ts, group: job, event: event_name, attributes: [region]}',
      'kpis:',
      '  - name: job_failed',
      '    description: a job labelled failed',
      '    failure_when: max(failed) = 1',
      '',
    ].join('\n')
  );
  return { outDir, config, events, truth };
}
