/**
 * The analysis of one run, in a worker thread with its own heap limit (see analysis-host.ts). It never loads chdb:
 * every query goes to the main thread through RemoteExecutor.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadedConfig } from '../config/load';
import type { Executor } from '../execute/executor';
import { RemoteExecutor, toWire, type RemoteReply } from '../execute/remote';
import { analyze, type AnalyzeOptions } from '../pipeline/analyze';
import { watchAnalyze } from '../pipeline/watch';

/** Sent once, as workerData. */
export interface WorkerInput {
  kind: Executor['kind'];
  limits: Executor['limits'];
  describeTarget: string;
  cfg: LoadedConfig;
  /** `watch`: the watch id of a scheduled run (pipeline/watch.ts: only new data is analyzed); absent: analyze(). */
  opts: Omit<AnalyzeOptions, 'signal' | 'onProgress' | 'onTested' | 'onKpiLeads'> & { watch?: string };
  /** Whether the host wants each KPI's leads as soon as they are final (functions do not cross to a worker). */
  kpiLeads: boolean;
}

/** Main → worker besides replies: stop (the run was cancelled). */
export type ToWorker = RemoteReply | { type: 'abort' };

const port = parentPort!;
const input = workerData as WorkerInput;
const ac = new AbortController();
const remote = new RemoteExecutor(input.kind, input.limits, input.describeTarget, (c) => port.postMessage(c));
port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') ac.abort();
  else remote.receive(m);
});

// A module to load first, in this thread (tests inject faults with it: jest's mocks do not reach a worker).
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (process.env.SURFACER_WORKER_REQUIRE) require(process.env.SURFACER_WORKER_REQUIRE);

// The pipeline takes an Executor and uses only what RemoteExecutor has (Queries in execute/remote.ts).
const { watch, ...opts } = input.opts;
const run: AnalyzeOptions = {
  ...opts,
  signal: ac.signal,
  onProgress: (p) => port.postMessage({ type: 'progress', progress: p }),
  onKpiLeads: input.kpiLeads ? (kpi, opportunities) => port.postMessage({ type: 'kpiLeads', kpi, opportunities }) : undefined,
};
(watch ? watchAnalyze(remote as unknown as Executor, input.cfg, { ...run, watch }) : analyze(remote as unknown as Executor, input.cfg, run)).then(
  (report) => port.postMessage({ type: 'done', report }),
  (e) => port.postMessage({ type: 'failed', error: toWire(e) })
);
