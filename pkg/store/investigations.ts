/** Saved investigations (`investigations`; a delete is a row marked deleted) in the results store. */
import { chTime, chTimeOrNull, ms, msOrNull, nextVersion, num, numOrNull, parseJson, type StoreDb } from './db';
import type { InvestigationRecord } from './types';
import { Where } from './where';

const INV_COLS = `id, name, request, every_ms, enabled, ${ms('created_at')}, ${ms('updated_at')}, last_run_id, ${msOrNull('last_run_at')}, ${msOrNull('next_run_at')}`;
const COLUMNS = ['id', 'deleted', 'enabled'] as const;

export class InvestigationRepo {
  constructor(private readonly db: StoreDb) {}

  async save(inv: InvestigationRecord, deleted = false): Promise<void> {
    await this.db.write(
      this.db.t('investigations'),
      [
        {
          id: inv.id,
          version: nextVersion(),
          name: inv.name,
          request: JSON.stringify(inv.request),
          every_ms: inv.every_ms,
          enabled: inv.enabled ? 1 : 0,
          deleted: deleted ? 1 : 0,
          created_at: chTime(inv.created_at),
          updated_at: chTime(inv.updated_at),
          last_run_id: inv.last_run_id,
          last_run_at: chTimeOrNull(inv.last_run_at),
          next_run_at: chTimeOrNull(inv.next_run_at),
        },
      ],
      { label: 'results store: save investigation' },
    );
  }

  async get(id: string): Promise<InvestigationRecord | null> {
    const where = new Where(COLUMNS).eq('id', 'id', 'String', id).eq('deleted', 'deleted', 'UInt8', 0);
    const rows = await this.db.q<Record<string, unknown>>(`SELECT ${INV_COLS} FROM ${this.db.t('investigations')} FINAL ${where.sql()}`, where.params);
    return rows[0] ? toInvestigation(rows[0]) : null;
  }

  /** Ids of deleted investigations (what the service may still hold for them, their watch tables, can go). */
  async deletedIds(): Promise<string[]> {
    const where = new Where(COLUMNS).eq('deleted', 'deleted', 'UInt8', 1);
    const rows = await this.db.q<{ id: string }>(`SELECT id FROM ${this.db.t('investigations')} FINAL ${where.sql()} ORDER BY id`, where.params);
    return rows.map((r) => String(r.id));
  }

  list(f: { limit: number; offset: number }): Promise<{ items: InvestigationRecord[]; total: number }> {
    return this.db.listed(['investigations'], ['investigations', f], () => this.read(f));
  }

  private async read(f: { limit: number; offset: number }): Promise<{ items: InvestigationRecord[]; total: number }> {
    const where = new Where(COLUMNS, { limit: f.limit, offset: f.offset }).eq('deleted', 'deleted', 'UInt8', 0);
    const w = where.sql();
    const rows = await this.db.q<Record<string, unknown>>(
      `SELECT ${INV_COLS} FROM ${this.db.t('investigations')} FINAL ${w} ORDER BY created_at, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      where.params,
    );
    const total = await this.db.q<{ n: number }>(`SELECT count() AS n FROM ${this.db.t('investigations')} FINAL ${w}`, where.params);
    return { items: rows.map(toInvestigation), total: Number(total[0]?.n ?? 0) };
  }

  /** Enabled, scheduled investigations whose next run is due. */
  async due(now: number): Promise<InvestigationRecord[]> {
    const where = new Where(COLUMNS)
      .eq('deleted', 'deleted', 'UInt8', 0)
      .eq('enabled', 'enabled', 'UInt8', 1)
      .cond('every_ms > 0 AND next_run_at IS NOT NULL')
      .cond("next_run_at <= fromUnixTimestamp64Milli({now:Int64}, 'UTC')", { now });
    const rows = await this.db.q<Record<string, unknown>>(`SELECT ${INV_COLS} FROM ${this.db.t('investigations')} FINAL ${where.sql()} ORDER BY next_run_at`, where.params);
    return rows.map(toInvestigation);
  }

  async delete(id: string): Promise<boolean> {
    const inv = await this.get(id);
    if (!inv) return false;
    await this.save({ ...inv, updated_at: Date.now() }, true);
    return true;
  }
}

function toInvestigation(r: Record<string, unknown>): InvestigationRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    request: parseJson(r.request, {}),
    every_ms: Number(r.every_ms),
    enabled: Boolean(Number(r.enabled)),
    created_at: num(r.created_at_ms),
    updated_at: num(r.updated_at_ms),
    last_run_id: String(r.last_run_id ?? ''),
    last_run_at: numOrNull(r.last_run_at_ms),
    next_run_at: numOrNull(r.next_run_at_ms),
  };
}
