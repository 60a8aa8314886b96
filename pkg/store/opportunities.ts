/**
 * Leads in the results store: the current state of each (`opportunities`, one row per lead, replaced on change) and
 * what each run found (`run_leads`). Updates of a lead go through the store's lock (db.exclusive) so a run's upsert
 * and a triage do not lose each other's change.
 */
import { finite, ms, msOrNull, nextVersion, chTime, num, numOrNull, parseJson, type StoreDb } from './db';
import { opportunityId, paramRegion, relativeEffect } from './leads';
import type { LeadDetail, LeadEvidence, LeadFilter, LeadRecord, LeadRunEntry, OpportunityWithSeries, TriageStatus } from './types';
import { Where } from './where';

export interface LeadInput {
  opportunity: OpportunityWithSeries;
  evidence: LeadEvidence;
}

const LEAD_COLS = `id, fingerprint, kpi, template, region, title, cohort, impact, effect_measure, effect, relative_effect, q_value, p_value, cohort_size, rank, stable, status, note, ${msOrNull('triaged_at')}, triaged_by, known, runs_seen, ${ms('first_seen')}, ${ms('last_seen')}, first_run_id, last_run_id`;
/**
 * What a list of leads needs to state each lead as "cohort vs rest" without the whole Opportunity: the KPI in the
 * cohort and in the rest, and the share of the KPI's failures in the cohort (from the last run's Opportunity).
 */
const LEAD_COMPARE_COLS = `JSONExtract(data, 'kpi_cohort', 'Nullable(Float64)') AS kpi_cohort, JSONExtract(data, 'kpi_rest', 'Nullable(Float64)') AS kpi_rest, JSONExtract(data, 'coverage', 'Nullable(Float64)') AS coverage`;
const ORDER = { impact: 'impact DESC', last_seen: 'last_seen DESC', first_seen: 'first_seen DESC', q_value: 'q_value ASC' } as const;

export class LeadRepo {
  constructor(private readonly db: StoreDb) {}

  /** Whole rows as ClickHouse writes them (DateTime64 as 'YYYY-MM-DD hh:mm:ss.sss'), fit to insert again. */
  async currentRows(ids: string[]): Promise<Map<string, Record<string, unknown>>> {
    if (!ids.length) return new Map();
    const rows = await this.db.q<Record<string, unknown>>(`SELECT * FROM ${this.db.t('opportunities')} FINAL WHERE id IN {ids:Array(String)}`, { ids });
    return new Map(rows.map((r) => [String(r.id), r]));
  }

  /**
   * A run's leads: a new fingerprint is a new lead (`new`, first seen now); a known one keeps its status, note and
   * first sighting, and gets `known`, this run's numbers and evidence, `last_seen` and one more `runs_seen`.
   */
  async record(runId: string, at: number, leads: LeadInput[]): Promise<{ newIds: string[]; knownIds: string[]; ids: string[] }> {
    return this.db.exclusive(async () => {
      const withIds = leads.map((l) => ({ ...l, id: opportunityId(l.opportunity.fingerprint) }));
      // One fingerprint once per run (the first, i.e. best ranked, wins).
      const unique = [...new Map(withIds.reverse().map((l) => [l.id, l])).values()].reverse();
      const existing = await this.currentRows(unique.map((l) => l.id));
      const newIds: string[] = [];
      const knownIds: string[] = [];
      const rows: Record<string, unknown>[] = [];
      const perRun: Record<string, unknown>[] = [];
      for (const l of unique) {
        const o = l.opportunity;
        const prev = existing.get(l.id);
        (prev ? knownIds : newIds).push(l.id);
        const data = JSON.stringify(o);
        const evidence = JSON.stringify(l.evidence);
        rows.push({
          id: l.id,
          version: nextVersion(),
          fingerprint: o.fingerprint,
          kpi: o.kpi,
          template: o.template,
          region: paramRegion(o.template, o.params),
          title: o.title,
          cohort: o.cohort,
          impact: finite(o.impact),
          effect_measure: o.effect?.measure ?? '',
          effect: finite(o.effect?.value),
          relative_effect: relativeEffect(o.kpi_cohort, o.kpi_rest),
          q_value: finite(o.q_value),
          p_value: finite(o.p_value),
          cohort_size: Math.max(0, Math.round(finite(o.cohort_size))),
          rank: Math.max(0, Math.round(finite(o.rank))),
          stable: o.stable ? 1 : 0,
          status: prev ? prev.status : 'new',
          note: prev ? prev.note : '',
          triaged_at: prev ? prev.triaged_at : null,
          triaged_by: prev ? prev.triaged_by : '',
          known: prev ? 1 : 0,
          runs_seen: prev ? Number(prev.runs_seen) + 1 : 1,
          first_seen: prev ? prev.first_seen : chTime(at),
          last_seen: chTime(at),
          first_run_id: prev ? prev.first_run_id : runId,
          last_run_id: runId,
          data,
          evidence,
        });
        perRun.push({
          run_id: runId,
          id: l.id,
          seen_at: chTime(at),
          rank: Math.max(0, Math.round(finite(o.rank))),
          is_new: prev ? 0 : 1,
          impact: finite(o.impact),
          effect: finite(o.effect?.value),
          q_value: finite(o.q_value),
          cohort_size: Math.max(0, Math.round(finite(o.cohort_size))),
          data,
          evidence,
        });
      }
      await this.db.write(this.db.t('run_leads'), perRun, { label: 'results store: leads of the run' });
      await this.db.write(this.db.t('opportunities'), rows, { label: 'results store: upsert leads' });
      return { newIds, knownIds, ids: unique.map((l) => l.id) };
    });
  }

  list(f: LeadFilter): Promise<{ items: LeadRecord[]; total: number }> {
    return this.db.listed(['opportunities', 'run_leads'], ['leads', f], () => this.read(f));
  }

  private async read(f: LeadFilter): Promise<{ items: LeadRecord[]; total: number }> {
    const runLeads = this.db.t('run_leads');
    const where = new Where(['kpi', 'status', 'template', 'known'], { limit: f.limit, offset: f.offset })
      .in('kpi', 'kpis', f.kpis)
      .in('status', 'statuses', f.statuses)
      .in('template', 'templates', f.templates)
      .eq('known', 'known', 'UInt8', f.known === undefined ? undefined : f.known ? 1 : 0);
    if (f.runId) where.cond(`id IN (SELECT id FROM ${runLeads} WHERE run_id = {run:String})`, { run: f.runId });
    if (f.from !== undefined) where.cond("last_seen >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')", { from: f.from });
    if (f.to !== undefined) where.cond("first_seen < fromUnixTimestamp64Milli({to:Int64}, 'UTC')", { to: f.to });
    const w = where.sql();
    const order = ORDER[f.sort ?? 'impact'];
    // Within one run, whether that run found the lead first (`known` is today's state, not the run's).
    const newInRun = f.runId ? `, id IN (SELECT id FROM ${runLeads} WHERE run_id = {run:String} AND is_new = 1) AS new_in_run` : '';
    const rows = await this.db.q<Record<string, unknown>>(
      `SELECT ${LEAD_COLS}, ${LEAD_COMPARE_COLS}${newInRun} FROM ${this.db.t('opportunities')} FINAL ${w} ORDER BY ${order}, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      where.params,
    );
    const total = await this.db.q<{ n: number }>(`SELECT count() AS n FROM ${this.db.t('opportunities')} FINAL ${w}`, where.params);
    return { items: rows.map((r) => ({ ...this.toLead(r), ...leadCompare(r) })), total: Number(total[0]?.n ?? 0) };
  }

  async get(id: string): Promise<LeadDetail | null> {
    const rows = await this.db.q<Record<string, unknown>>(`SELECT ${LEAD_COLS}, data, evidence FROM ${this.db.t('opportunities')} FINAL WHERE id = {id:String}`, { id });
    const r = rows[0];
    if (!r) return null;
    return { ...this.toLead(r), opportunity: parseJson(r.data, {} as OpportunityWithSeries), evidence: parseJson(r.evidence, {} as LeadEvidence) };
  }

  async byIds(ids: string[]): Promise<LeadRecord[]> {
    if (!ids.length) return [];
    const rows = await this.db.q<Record<string, unknown>>(`SELECT ${LEAD_COLS} FROM ${this.db.t('opportunities')} FINAL WHERE id IN {ids:Array(String)}`, { ids });
    return rows.map((r) => this.toLead(r));
  }

  async history(id: string): Promise<LeadRunEntry[]> {
    const rows = await this.db.q<Record<string, unknown>>(
      `SELECT run_id, ${ms('seen_at')}, rank, is_new, impact, effect, q_value, cohort_size FROM ${this.db.t('run_leads')} WHERE id = {id:String} ORDER BY seen_at DESC LIMIT 100`,
      { id },
    );
    return rows.map((r) => ({
      run_id: String(r.run_id),
      seen_at: num(r.seen_at_ms),
      rank: Number(r.rank),
      is_new: Boolean(Number(r.is_new)),
      impact: Number(r.impact),
      effect: Number(r.effect),
      q_value: Number(r.q_value),
      cohort_size: Number(r.cohort_size),
    }));
  }

  /** The lead and its evidence as the given run saw it. */
  async inRun(id: string, runId: string): Promise<{ opportunity: OpportunityWithSeries; evidence: LeadEvidence } | null> {
    const rows = await this.db.q<{ data: string; evidence: string }>(`SELECT data, evidence FROM ${this.db.t('run_leads')} WHERE id = {id:String} AND run_id = {run:String} LIMIT 1`, {
      id,
      run: runId,
    });
    return rows[0] ? { opportunity: parseJson(rows[0].data, {} as OpportunityWithSeries), evidence: parseJson(rows[0].evidence, {} as LeadEvidence) } : null;
  }

  private toLead(row: Record<string, unknown>): LeadRecord {
    return {
      id: String(row.id),
      fingerprint: String(row.fingerprint),
      kpi: String(row.kpi),
      template: String(row.template),
      region: String(row.region),
      title: String(row.title),
      cohort: String(row.cohort),
      impact: Number(row.impact),
      effect: { measure: String(row.effect_measure), value: Number(row.effect) },
      relative_effect: row.relative_effect === null ? null : Number(row.relative_effect),
      q_value: Number(row.q_value),
      p_value: Number(row.p_value),
      cohort_size: Number(row.cohort_size),
      rank: Number(row.rank),
      stable: Boolean(Number(row.stable)),
      status: row.status as TriageStatus,
      note: String(row.note ?? ''),
      triaged_at: numOrNull(row.triaged_at_ms),
      triaged_by: String(row.triaged_by ?? ''),
      known: Boolean(Number(row.known)),
      runs_seen: Number(row.runs_seen),
      first_seen: num(row.first_seen_ms),
      last_seen: num(row.last_seen_ms),
      first_run_id: String(row.first_run_id),
      last_run_id: String(row.last_run_id),
      link: `${this.db.linkBase}${String(row.id)}`,
    };
  }
}

function leadCompare(r: Record<string, unknown>): Pick<LeadRecord, 'kpi_cohort' | 'kpi_rest' | 'coverage' | 'new_in_run'> {
  return {
    kpi_cohort: numOrNull(r.kpi_cohort),
    kpi_rest: numOrNull(r.kpi_rest),
    coverage: numOrNull(r.coverage),
    ...(r.new_in_run === undefined ? {} : { new_in_run: Boolean(Number(r.new_in_run)) }),
  };
}
