/** The bench's JSON (top-level keys describe the largest size; `runs` holds every size) and its table. */

type Run = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const NOTES = {
  wall_s: 'analyze() end to end (inspect → sessionize → profile → compile → totals → aggregate → experts/evidence), generation excluded',
  stages: 'analyze() timings (wall seconds). stages.aggregate is the merged scans the run paid for; stages.family.<name> is an isolated scan, for attribution: the same compiled aggregate SQL restricted to that family\'s nodes, timed after the run (families share scans in the real run, so these do not add up to stages.aggregate)',
  hypotheses: 'total = analyze()\'s hypotheses_tested (expert tests of hypothesis × KPI pairs past the support floor; group-level cohorts also get a trend test); per_family splits it by template; hypothesis_kpi_pairs counts the distinct pairs',
  first_lead_s: 'seconds from the start of analyze() until its first KPI\'s leads were final (onKpiLeads; leads stream KPI by KPI); first_lead_share = first_lead_s / wall_s',
  peak_rss_mb_by_stage: 'peak RSS (MB) of the child process during each analyze() stage: the new maxRSS when it grew in that stage, else the highest RSS sampled (every 20 ms and at each change of stage) during it',
  peak_rss_mb: 'process maxRSS of the child process right after analyze() returned (chdb is in-process; baseline RSS of node + chdb included, see rss_before_analysis_mb)',
  ratio_vs_per_query_sql: 'mean seconds of one standalone SQL query per sampled hypothesis / (wall_s / hypotheses.total)',
  watch: 'with --watch: a 7-day window of the dataset, ending on its last whole hour. full = analyze() of that window; watch_first = the watch\'s first (full) run an hour earlier, storing per-slice partials; watch_rerun = the watch re-run after one more hour; rerun_over_full = watch_rerun.wall_s / full.wall_s; peak_rss_mb = the peak of the process that ran all four; measured on a machine shared with other work',
  extras_skipped: 'sizes above config.extras_max_events run without the baselines and isolated family scans (each per-query baseline query sessionizes the raw events on its own: minutes per query at 100M events, and more memory than the run); then ratio_vs_* and baselines come from the largest size that ran them (baselines_events)',
  partitions: 'how the run was laid out (pipeline/partitions.ts): partitions of the users sessionized one at a time, scratch tables on disk when more than one',
  ratio_vs_sampled_aho_corasick: '(fetch + build + scan seconds of the sampled Aho-Corasick baseline / pattern×KPI hypotheses counted) / (wall_s / hypotheses.total); it reads only a sample of groups',
};

export function assemble(runs: Run[], machine: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  const top = runs[runs.length - 1]!;
  // The ratios of the largest size that ran the baselines (sizes above extras_max_events skip them).
  const based = [...runs].reverse().find((r) => r.per_query_sql || r.sampled_aho_corasick) ?? top;
  const curve = runs.map((r) => ({
    events: r.events,
    groups: r.groups,
    wall_s: r.wall_s,
    hypotheses: r.hypotheses?.total ?? r.hypotheses_tested,
    peak_rss_mb: r.peak_rss_mb,
    peak_rss_mb_by_stage: r.peak_rss_mb_by_stage ?? null,
    first_lead_s: r.first_lead_s ?? null,
    generate_s: r.generate_s,
    s_per_m_events: r.wall_s / (r.events / 1e6),
    partitions: r.partitions ?? null,
    stages: r.stages,
    watch: r.watch
      ? { window_events: r.watch.window_events, full_s: r.watch.full.wall_s, rerun_s: r.watch.watch_rerun.wall_s, rerun_over_full: r.watch.rerun_over_full, peak_rss_mb: r.watch.peak_rss_mb ?? null }
      : null,
  }));
  const spm = curve.map((c) => c.s_per_m_events);
  return {
    events: top.events,
    groups: top.groups,
    hypotheses: top.hypotheses ?? { total: top.hypotheses_tested, per_family: {} },
    stages: top.stages,
    wall_s: top.wall_s,
    generate_s: top.generate_s,
    hypotheses_per_s: top.hypotheses_per_s,
    peak_rss_mb: top.peak_rss_mb,
    peak_rss_mb_by_stage: top.peak_rss_mb_by_stage ?? null,
    first_lead_s: top.first_lead_s ?? null,
    first_lead_kpi: top.first_lead_kpi ?? null,
    first_lead_share: typeof top.first_lead_s === 'number' ? top.first_lead_s / top.wall_s : null,
    ratio_vs_per_query_sql: based.ratio_vs_per_query_sql ?? null,
    ratio_vs_sampled_aho_corasick: based.ratio_vs_sampled_aho_corasick ?? null,
    baselines_events: based.per_query_sql || based.sampled_aho_corasick ? based.events : null,
    extras_skipped: runs.filter((r) => r.extras_skipped).map((r) => r.extras_skipped),
    machine,
    runs: curve,
    linearity: {
      s_per_m_events: Object.fromEntries(curve.map((c) => [String(c.events), +c.s_per_m_events.toFixed(3)])),
      // 1 = linear in events; > 1 = the larger size costs more per event than the smaller one.
      largest_over_smallest: spm.length > 1 ? +(spm[spm.length - 1]! / spm[0]!).toFixed(3) : null,
    },
    baselines: {
      per_query_sql: based.per_query_sql ?? null,
      sampled_aho_corasick: based.sampled_aho_corasick ?? null,
    },
    aggregate_scans: top.aggregate_scans,
    queries_by_label: top.queries_by_label,
    checks: top.checks,
    rss_before_analysis_mb: top.rss_before_analysis_mb,
    peak_rss_mb_incl_bench: top.peak_rss_mb_incl_bench,
    leads: top.leads,
    watch: top.watch ?? null,
    config,
    notes: NOTES,
    // Every size's full child output, for the record.
    runs_detail: runs,
  };
}

/** The keys the bench JSON must have (issue 6), as dotted paths. */
export const REQUIRED_KEYS = [
  'events', 'groups', 'hypotheses.total', 'hypotheses.per_family', 'stages.sessionize', 'stages.aggregate', 'stages.experts',
  'wall_s', 'hypotheses_per_s', 'peak_rss_mb', 'peak_rss_mb_by_stage.aggregate', 'peak_rss_mb_by_stage.experts', 'first_lead_s',
  'ratio_vs_per_query_sql', 'ratio_vs_sampled_aho_corasick',
  'machine.cpu_model', 'machine.cores', 'machine.ram_gb', 'machine.node', 'machine.clickhouse_version', 'runs', 'linearity.s_per_m_events',
];

/** Required keys that are missing (or null) in the JSON; with baselines or attribution skipped, their keys are expected null. */
export function missingKeys(j: Record<string, unknown>, opts: { baselines?: boolean; attribution?: boolean } = {}): string[] {
  const keys = [...REQUIRED_KEYS, ...(opts.attribution === false ? [] : ['stages.family'])];
  return keys.filter((k) => {
    if (opts.baselines === false && k.startsWith('ratio_')) return false;
    const v = k.split('.').reduce<unknown>((o, p) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[p] : undefined), j);
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  });
}

const f = (x: unknown, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');
const int = (x: unknown) => (typeof x === 'number' ? x.toLocaleString('en-US') : '—');

export function formatTable(r: Run): string {
  const L: string[] = [];
  const m = r.machine;
  L.push(`Surfacer bench — ${int(r.events)} events, ${int(r.groups)} groups (${m.cpu_model}, ${m.cores} cores, ${m.ram_gb} GB, node ${m.node}, chdb ${m.chdb} = ClickHouse ${m.clickhouse_version}; load avg at end ${m.load_average_at_end?.join(' ')})`);
  L.push('');
  L.push('Stages (wall s, peak RSS MB)');
  for (const [k, v] of Object.entries(r.stages ?? {}))
    if (k !== 'family') L.push(`  ${k.padEnd(28)} ${f(v).padStart(9)} ${int(r.peak_rss_mb_by_stage?.[k]).padStart(9)} MB`);
  if (r.stages?.family) {
    L.push('  family (isolated scan, for attribution; families share scans in the run):');
    for (const [k, v] of Object.entries(r.stages.family)) L.push(`    ${k.padEnd(26)} ${f(v).padStart(9)}`);
  }
  L.push('');
  L.push('Hypotheses tested per family');
  const pf = r.hypotheses?.per_family ?? {};
  for (const [k, v] of Object.entries(pf)) L.push(`  ${k.padEnd(28)} ${int(v).padStart(9)}`);
  L.push(`  ${'total'.padEnd(28)} ${int(r.hypotheses?.total).padStart(9)}`);
  L.push('');
  L.push(`wall (analysis)              ${f(r.wall_s).padStart(9)} s   (generation, not included: ${f(r.generate_s)} s)`);
  L.push(`first leads after            ${f(r.first_lead_s).padStart(9)} s   (${f(r.first_lead_share * 100, 0)}% of the run; ${r.first_lead_kpi ?? '—'}'s leads, final before the other KPIs' grouping)`);
  L.push(`hypotheses/s                 ${f(r.hypotheses_per_s, 0).padStart(9)}`);
  L.push(`peak RSS                     ${int(r.peak_rss_mb).padStart(9)} MB`);
  const pq = r.baselines?.per_query_sql;
  const ac = r.baselines?.sampled_aho_corasick;
  if ((pq || ac) && r.baselines_events !== r.events) L.push(`baselines measured at ${int(r.baselines_events)} events (the largest size that ran them):`);
  if (pq) {
    L.push(`vs one SQL query/hypothesis  ${f(r.ratio_vs_per_query_sql, 0).padStart(9)}×   (${pq.sampled} sampled, mean ${f(pq.per_hypothesis_s)} s each → ${f(pq.extrapolated_total_s / 3600, 1)} h for all; cohort mismatches: ${pq.mismatches.length})`);
    if (pq.ratio_weighted !== undefined) L.push(`  … weighted by family mix    ${f(pq.ratio_weighted, 0).padStart(9)}×   (family means weighted by each family's share of hypotheses: ${f(pq.weighted_per_hypothesis_s)} s each)`);
  }
  if (ac) {
    L.push(
      `vs sampled Aho-Corasick      ${f(r.ratio_vs_sampled_aho_corasick, 2).padStart(9)}×   (${f(ac.share * 100, 1)}% of groups, ${int(ac.hypotheses_counted)} pattern×KPI hypotheses in ${f(ac.seconds.total)} s: fetch ${f(ac.seconds.fetch)}, build ${f(ac.seconds.build)}, scan ${f(ac.seconds.scan)}; median |error| of scaled cohort sizes ${f(ac.accuracy.median_abs_rel_error * 100, 1)}%)`,
    );
    if (ac.ratio_vs_engine_pattern_scans_only !== undefined) {
      L.push(`  … vs engine pattern scans  ${f(ac.ratio_vs_engine_pattern_scans_only, 2).padStart(9)}×   (engine: isolated ngram + ordered_pattern scans only, ${f(ac.engine_pattern_scan_per_hypothesis_s * 1e3, 3)} ms per pattern hypothesis vs ${f(ac.per_hypothesis_s * 1e3, 3)} ms; ratio > 1 = baseline slower)`);
    }
  }
  if (r.watch) {
    const w = r.watch;
    L.push(`watch re-run (+1 h, 7 days)  ${f(w.watch_rerun.wall_s).padStart(9)} s   vs full run of the same window ${f(w.full.wall_s)} s = ${f(w.rerun_over_full * 100, 1)}% (${int(w.window_events)} events in the window; without the experts stage ${f(w.rerun_over_full_before_experts * 100, 1)}%; first watch run ${f(w.watch_first.wall_s)} s; ${w.watch_rerun.watch?.slices_computed} of ${w.watch_rerun.watch?.slices_in_window} slices of ${w.watch_rerun.watch?.slice_hours} h computed; same leads as a pinned full run: ${w.same_leads})`);
  }
  if (r.checks) L.push(`checks                       ${Object.entries(r.checks).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  L.push('');
  L.push('Per size');
  const watched = r.runs.some((c: Run) => c.watch);
  L.push(`  ${'events'.padStart(12)} ${'groups'.padStart(9)} ${'parts'.padStart(5)} ${'wall s'.padStart(9)} ${'1st lead s'.padStart(11)} ${'s/M events'.padStart(11)} ${'hypotheses'.padStart(11)} ${'peak RSS MB'.padStart(12)}${watched ? ` ${'watch re-run / full (7 d)'.padStart(26)}` : ''}`);
  for (const c of r.runs)
    L.push(`  ${int(c.events).padStart(12)} ${int(c.groups).padStart(9)} ${int(c.partitions?.count).padStart(5)} ${f(c.wall_s).padStart(9)} ${f(c.first_lead_s).padStart(11)} ${f(c.s_per_m_events).padStart(11)} ${int(c.hypotheses).padStart(11)} ${int(c.peak_rss_mb).padStart(12)}${watched ? ` ${(c.watch ? `${f(c.watch.rerun_s)} / ${f(c.watch.full_s)} s = ${f(c.watch.rerun_over_full * 100, 1)}%` : '—').padStart(26)}` : ''}`);
  const stages = [...new Set(r.runs.flatMap((c: Run) => Object.keys(c.peak_rss_mb_by_stage ?? {})))] as string[];
  if (stages.length) {
    L.push('');
    L.push('Peak RSS by stage (MB) per size');
    L.push(`  ${'events'.padStart(12)} ${stages.map((s) => s.padStart(11)).join(' ')}`);
    for (const c of r.runs) L.push(`  ${int(c.events).padStart(12)} ${stages.map((s) => int(c.peak_rss_mb_by_stage?.[s]).padStart(11)).join(' ')}`);
  }
  if (r.extras_skipped?.length) L.push(`\n${r.extras_skipped.join('\n')}`);
  return L.join('\n');
}
