/**
 * Saved investigations on a schedule: every `intervalMs` the due ones (enabled, `next_run_at` passed) start a run,
 * unless their previous run is still queued or running. The schedule lives in the store, so a restart keeps it.
 */
import type { LoadedConfig } from '../config/load';
import type { ResultStore } from '../store/store';
import type { Logger, RunManager } from './runs';
import { checkRunRequest } from './validate';

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<string[]> | undefined;

  constructor(
    private readonly o: { cfg: LoadedConfig; store: ResultStore; runs: RunManager; log: Logger; intervalMs: number },
  ) {}

  start(): void {
    if (this.timer || this.o.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick().catch((e) => this.o.log.error({ error: (e as Error).message }, 'scheduler tick failed')), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking?.catch(() => undefined);
  }

  /** Starts the runs that are due; returns their ids. One tick at a time. */
  tick(now = Date.now()): Promise<string[]> {
    if (this.ticking) return this.ticking;
    this.ticking = this.runDue(now).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runDue(now: number): Promise<string[]> {
    const { store, runs, log, cfg } = this.o;
    const started: string[] = [];
    for (const inv of await store.dueInvestigations(now)) {
      const next = now + inv.every_ms;
      const busy = runs.activeForInvestigation(inv.id);
      if (busy) {
        log.info({ investigation: inv.id, run: busy.id }, 'scheduled run skipped: the previous run is still going');
        await store.saveInvestigation({ ...inv, next_run_at: next, updated_at: now });
        continue;
      }
      const issues = checkRunRequest(cfg, inv.request);
      if (issues.length) {
        log.warn({ investigation: inv.id, issues }, 'scheduled run skipped: the saved request no longer fits the config');
        await store.saveInvestigation({ ...inv, next_run_at: next, updated_at: now });
        continue;
      }
      let run;
      try {
        // As a watch: the run pays for the data that changed since the investigation's last scheduled run.
        run = await runs.submit(inv.request, { investigationId: inv.id, watch: true });
      } catch (e) {
        // Queue full or store refusing writes: still due, so the next tick tries again.
        log.warn({ investigation: inv.id, error: (e as Error).message }, 'scheduled run not started');
        continue;
      }
      await store.saveInvestigation({ ...inv, last_run_id: run.id, last_run_at: now, next_run_at: next, updated_at: now });
      log.info({ investigation: inv.id, run: run.id }, 'scheduled run started');
      started.push(run.id);
    }
    return started;
  }
}
