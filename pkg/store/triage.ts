/**
 * Triage in the results store: an operator's status and note on a lead (the lead's row, and a log line in `triage`),
 * and the feedback the planners draw from all triage so far.
 */
import type { FeedbackSummary } from '../planner/types';
import { chTime, ms, nextVersion, num, NotFound, type StoreDb } from './db';
import { buildFeedback, type FeedbackRow } from './feedback';
import type { LeadRepo } from './opportunities';
import type { LeadRecord, TriageEntry, TriageStatus } from './types';

export class TriageRepo {
  constructor(
    private readonly db: StoreDb,
    private readonly leads: LeadRepo,
  ) {}

  /** Sets status and/or note; logs the change (who, when, from what) in `triage`. */
  async triage(id: string, change: { status?: TriageStatus; note?: string; actor: string }): Promise<LeadRecord> {
    return this.db.exclusive(async () => {
      const prev = (await this.leads.currentRows([id])).get(id);
      if (!prev) throw new NotFound(`no opportunity with id ${id}`);
      const now = Date.now();
      const status = change.status ?? (prev.status as TriageStatus);
      const note = change.note ?? String(prev.note ?? '');
      await this.db.write(this.db.t('triage'), [{ opportunity_id: id, at: chTime(now), status, previous_status: prev.status, note, actor: change.actor }], {
        label: 'results store: triage log',
      });
      await this.db.write(
        this.db.t('opportunities'),
        [
          {
            ...prev,
            version: nextVersion(),
            status,
            note,
            triaged_at: chTime(now),
            triaged_by: change.actor,
          },
        ],
        { label: 'results store: triage' },
      );
      return (await this.leads.byIds([id]))[0]!;
    });
  }

  async log(id: string): Promise<TriageEntry[]> {
    const rows = await this.db.q<Record<string, unknown>>(
      `SELECT ${ms('at')}, status, previous_status, note, actor FROM ${this.db.t('triage')} WHERE opportunity_id = {id:String} ORDER BY at`,
      { id },
    );
    return rows.map((r) => ({ at: num(r.at_ms), status: r.status as TriageStatus, previous_status: r.previous_status as TriageStatus, note: String(r.note), actor: String(r.actor) }));
  }

  /** Triage and effect sizes of every earlier lead, per family and parameter region, for the planners. */
  async feedbackSummary(): Promise<FeedbackSummary | undefined> {
    const rows = await this.db.q<FeedbackRow>(
      `SELECT template, region, count() AS leads, countIf(status = 'useful') AS useful, countIf(status = 'dismissed') AS dismissed,
         if(countIf(isNotNull(relative_effect)) = 0, NULL, avgIf(assumeNotNull(relative_effect), isNotNull(relative_effect))) AS mean_effect
       FROM ${this.db.t('opportunities')} FINAL GROUP BY template, region ORDER BY template, region`,
      {},
      'results store: feedback',
    );
    const titles = async (status: string) =>
      (await this.db.q<{ title: string }>(`SELECT title FROM ${this.db.t('opportunities')} FINAL WHERE status = {s:String} ORDER BY triaged_at DESC LIMIT 5`, { s: status })).map(
        (r) => r.title,
      );
    return buildFeedback(
      rows.map((r) => ({ ...r, leads: Number(r.leads), useful: Number(r.useful), dismissed: Number(r.dismissed), mean_effect: r.mean_effect === null ? null : Number(r.mean_effect) })),
      { useful: await titles('useful'), dismissed: await titles('dismissed') },
    );
  }
}
