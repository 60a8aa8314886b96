/**
 * A new family is one file and one catalog line: a family written for this test (tests/support/parity-family.ts)
 * is registered, then planned, compiled, computed and its triage region read like the families of the engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../pkg/config/load';
import { generateSynthetic } from '../../pkg/dataset/synthetic';
import { Executor } from '../../pkg/execute/executor';
import { isPatternFamily } from '../../pkg/experts/types';
import { observeFastPath, type FastPath } from '../../pkg/pipeline/analyze';
import { deterministicPlan } from '../../pkg/planner/deterministic';
import { paramRegion } from '../../pkg/store/leads';
import { catalog, registerTemplate } from '../../pkg/templates/catalog';
import type { Family } from '../../pkg/templates/types';
import { parity } from '../support/parity-family';

jest.setTimeout(180_000);

registerTemplate(parity);
const PARITY = 'parity' as Family;

describe('a family added in one file and one catalog line', () => {
  let dir: string;
  let ex: Executor;
  let fast: FastPath;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'surfacer-newfamily-'));
    ex = await Executor.open({ embedded: join(dir, '.store') });
    const g = await generateSynthetic(ex, { events: 8_000, seed: 3, outDir: dir });
    fast = await observeFastPath(ex, loadConfigFile(g.files.config), { prompt: 'odd sessions', families: [PARITY] });
  });
  afterAll(async () => {
    await fast?.drop();
    await ex?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is in the catalog and planned from its own words, before the families the prompt does not name', () => {
    expect(catalog().map((c) => c.name)).toContain('parity');
    expect(fast.plan.items.map((i) => i.template)).toEqual(['parity']);
    expect(fast.plan.items[0]!.reason).toBe('the prompt asks about odd');
    const all = deterministicPlan(fast.d, { prompt: 'odd sessions' });
    expect(all.items[0]!.template).toBe('parity');
    expect(all.items).toHaveLength(catalog().length - all.notes.filter((n) => / skipped: /.test(n)).length);
  });

  it('is computed with the others: every group of the window is in exactly one of its two cohorts, for every KPI', () => {
    const obs = fast.observations.filter((o) => o.hyp.template === PARITY);
    expect(new Set(obs.map((o) => o.hyp.title))).toEqual(new Set(['groups with an even number of events', 'groups with an odd number of events']));
    expect(fast.plan.kpis.length).toBeGreaterThan(0);
    for (const name of fast.plan.kpis) {
      const mine = obs.filter((o) => o.kpi.kpi.name === name);
      expect(mine).toHaveLength(2);
      expect(mine[0]!.groups + mine[1]!.groups).toBe(fast.totals.groups);
      expect(Math.min(mine[0]!.groups, mine[1]!.groups)).toBeGreaterThan(0);
    }
  });

  it('says its own triage region and kind', () => {
    expect(paramRegion('parity', { parity: 'odd' })).toBe('parity=odd');
    expect(paramRegion('parity', {})).toBe('keys=none');
    expect(isPatternFamily('parity')).toBe(false);
  });

  it('refuses a second family of the same name', () => {
    expect(() => registerTemplate(parity)).toThrow(/already in the catalog/);
  });
});
