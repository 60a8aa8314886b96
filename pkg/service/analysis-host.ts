/**
 * Runs `analyze` for one run in a worker thread with its own heap limit (`server.run_heap_limit_gb`): a run whose
 * results outgrow it fails saying so, and the service — its API, other runs — keeps going. A child process cannot
 * be used (it cannot open the embedded store the service holds), and the worker cannot open the store itself (a
 * worker that loaded chdb hangs the main thread's next chdb query when it exits), so every query the worker makes
 * is run here, on the service's executor, with the run's signal: cancelling kills the running query as before.
 * The CPU-heavy stages (experts) run on the worker's thread, so the API answers during them too.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LoadedConfig } from '../config/load';
import { CancelledError, type Executor } from '../execute/executor';
import { quoteIdent } from '../execute/sql';
import { answerCall, fromWire, type RemoteCall, type WireError } from '../execute/remote';
import type { AnalyzeOptions, Opportunity, Progress, Report } from '../pipeline/analyze';
import type { WatchInfo } from '../pipeline/watch';
import type { ToWorker, WorkerInput } from './analysis-worker';

type FromWorker =
  | RemoteCall
  | { type: 'progress'; progress: Progress }
  | { type: 'kpiLeads'; kpi: string; opportunities: Opportunity[] }
  | { type: 'done'; report: Report }
  | { type: 'failed'; error: WireError };

/** After a cancel, how long the worker may take to stop by itself (it checks between queries) before it is ended. */
const STOP_GRACE_MS = 5_000;

export class AnalysisOutOfMemory extends Error {
  constructor(heapMb: number) {
    const size = heapMb >= 1024 ? `${(heapMb / 1024).toFixed(heapMb % 1024 ? 1 : 0)} GB` : `${heapMb} MB`;
    super(
      `the analysis ran out of its ${size} heap (server.run_heap_limit_gb); narrow the request (fewer families or KPIs, a shorter window) or raise the limit`
    );
    this.name = 'AnalysisOutOfMemory';
  }
}

export interface WorkerOptions {
  /** The worker's JS heap (V8 old generation), in MB. */
  heapMb: number;
  /** Called when the worker left scratch tables behind (it died) and they were dropped, or could not be. */
  onCleanup?: (dropped: string[], error?: Error) => void;
}

/**
 * `analyze(ex, cfg, opts)` in a worker. `opts.plan` gets the notes the compiler added (as in-process). Rejects with
 * AnalysisOutOfMemory when the worker's heap runs out, CancelledError when `opts.signal` aborts, else the
 * pipeline's own error (QueryError rebuilt with its code and label).
 */
export function analyzeInWorker(
  ex: Executor,
  cfg: LoadedConfig,
  opts: AnalyzeOptions & { watch?: string },
  w: WorkerOptions
): Promise<Report & { watch?: WatchInfo }> {
  const { signal, onProgress, onKpiLeads, onTested: _unused, ...rest } = opts;
  if (signal?.aborted) return Promise.reject(new CancelledError());
  const input: WorkerInput = {
    kind: ex.kind,
    limits: ex.limits,
    describeTarget: ex.describeTarget,
    cfg,
    opts: rest,
    kpiLeads: Boolean(onKpiLeads),
  };
  const worker = new Worker(join(__dirname, 'analysis-worker.js'), {
    workerData: input,
    resourceLimits: { maxOldGenerationSizeMb: w.heapMb },
    // The service's own flags (e.g. --max-old-space-size) are not the worker's; its limit is resourceLimits.
    execArgv: [],
    // This module's view of the environment (under jest a copy of the process' own, which the worker would get).
    env: process.env,
  });
  // Ends the queries of a worker that is gone (cancelled or dead), besides the run's own signal.
  const gone = new AbortController();
  const querySignal = signal ? AbortSignal.any([signal, gone.signal]) : gone.signal;
  const inFlight = new Set<Promise<unknown>>();
  /** Scratch-table tags (`sess_<32 hex>`) the worker's statements named: what to drop if it dies before it does. */
  const tags = new Set<string>();
  let settled = false;

  return new Promise<Report>((resolve, reject) => {
    let stopTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      post({ type: 'abort' });
      stopTimer = setTimeout(() => void end(new CancelledError(), true), STOP_GRACE_MS);
      stopTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const post = (m: ToWorker) => {
      try {
        worker.postMessage(m);
      } catch {
        // The worker is gone; its end is handled by 'error'/'exit'.
      }
    };

    /** Settles once: stops the worker, and when it died mid-analysis drops what it left behind. */
    const end = async (outcome: Report | Error, died: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(stopTimer);
      signal?.removeEventListener('abort', onAbort);
      gone.abort();
      void worker.terminate();
      if (died) {
        await Promise.allSettled([...inFlight]);
        await dropScratch(ex, cfg, tags).then(
          (dropped) => w.onCleanup?.(dropped),
          (e) => w.onCleanup?.([], e as Error)
        );
      }
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };

    worker.on('message', (m: FromWorker) => {
      if (m.type === 'call') {
        for (const t of scratchTags(m.args[0])) tags.add(t);
        const p = answerCall(ex, m, querySignal).then((reply) => {
          inFlight.delete(p);
          if (!settled) post(reply);
        });
        inFlight.add(p);
      } else if (m.type === 'progress') {
        if (!settled) onProgress?.(m.progress);
      } else if (m.type === 'kpiLeads') {
        if (!settled) onKpiLeads?.(m.kpi, m.opportunities);
      } else if (m.type === 'done') {
        if (opts.plan) opts.plan.notes = m.report.plan.notes;
        void end(m.report, false);
      } else if (m.type === 'failed') {
        const e = fromWire(m.error);
        void end(signal?.aborted ? new CancelledError() : e, false);
      }
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      void end(
        oom
          ? new AnalysisOutOfMemory(w.heapMb)
          : signal?.aborted
            ? new CancelledError()
            : new Error(`the analysis worker failed: ${e.message}`),
        true
      );
    });
    worker.on('exit', (code) => {
      void end(
        signal?.aborted
          ? new CancelledError()
          : new Error(`the analysis worker stopped (exit code ${code}) before the analysis ended`),
        true
      );
    });
  });
}

function scratchTags(sql: string): string[] {
  return [...new Set([...String(sql).matchAll(/sess_([0-9a-f]{32})/g)].map((m) => m[1]!))];
}

/** Drops the results database's tables named after these runs' tags (`sess_<tag>`, `sess_<tag>_keys_<family>`, …). */
async function dropScratch(ex: Executor, cfg: LoadedConfig, tags: Set<string>): Promise<string[]> {
  if (!tags.size) return [];
  const db = cfg.store.results_database;
  const rows = await ex.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String} AND match(name, {re:String}) ORDER BY name`,
    { db, re: `^sess_(${[...tags].join('|')})` },
    { label: 'drop scratch tables of a stopped analysis' }
  );
  for (const r of rows) {
    await ex.command(
      `DROP TABLE IF EXISTS ${quoteIdent(db)}.${quoteIdent(r.name)}`,
      {},
      { label: 'drop scratch tables of a stopped analysis' }
    );
  }
  return rows.map((r) => r.name);
}
