/**
 * What the route plugins share, passed to each as its plugin options: the config, the executor, the results store,
 * the run manager and the dataset inspection (one cached scan for GET /api/dataset and the checks of run requests).
 */
import type { LoadedConfig } from '../../config/load';
import { inspectDataset, type Dataset } from '../../dataset/inspect';
import type { Executor } from '../../execute/executor';
import type { RunManager } from '../../service/runs';
import { checkAgainstData, checkRunRequest } from '../../service/validate';
import type { ResultStore } from '../../store/store';
import type { RunRecord, RunRequest } from '../../store/types';
import { badRequest, notFound } from '../errors';

export interface RouteDeps {
  cfg: LoadedConfig;
  executor: Executor;
  store: ResultStore;
  runs: RunManager;
  dataset: DatasetCache;
  /** How long an inspection is reused (also by GET /api/scope). */
  datasetTtlMs: number;
}

export interface DatasetCache {
  /** The whole range, with the vocabulary a run codes (its 2,000 most frequent events). */
  get(refresh?: boolean): Promise<Dataset>;
  /** When the inspection get() answers with was started (ms). */
  inspectedAt(): number;
}

/** A burst of requests costs one scan; a failed scan is not kept. */
export function datasetCache(executor: Executor, cfg: LoadedConfig, ttlMs: number): DatasetCache {
  let cache: { at: number; d: Promise<Dataset> } | undefined;
  return {
    get(refresh = false) {
      if (!cache || refresh || Date.now() - cache.at > ttlMs) {
        const d = inspectDataset(executor.onControl(), cfg);
        cache = { at: Date.now(), d };
        d.catch(() => (cache = undefined));
      }
      return cache.d;
    },
    inspectedAt: () => cache!.at,
  };
}

/** A run request checked against the config and then the data; `where` prefixes the field paths of the 400. */
export async function checkRequest(d: RouteDeps, req: RunRequest, where: string): Promise<void> {
  const issues = checkRunRequest(d.cfg, req);
  if (issues.length) throw badRequest(where, issues);
  const against = checkAgainstData(req, await d.dataset.get());
  if (against.length) throw badRequest(where, against);
}

/** A run from the manager (live progress) or the store. */
export async function getRun(d: RouteDeps, id: string): Promise<RunRecord> {
  const r = d.runs.get(id) ?? (await d.store.getRun(id));
  if (!r) throw notFound(`no run with id ${id}`);
  return r;
}

export const doc = (summary: string) => ({ summary });
