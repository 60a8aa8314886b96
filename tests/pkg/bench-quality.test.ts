/**
 * bench:quality end to end on one tiny hand-made labelled dataset (real chdb): the JSON has every method and
 * field, and the planted signature — a marker event in 60 of 900 groups, failing 90% against 5% elsewhere — is
 * found by Surfacer and by each baseline; the label shuffled across groups gives Surfacer no lead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from '../../pkg/util/random';
import { labelledDataset, type DatasetAdapter } from '../../bench/quality/datasets';
import { markdownTable, runQuality } from '../../bench/quality/run';

function tinyAdapter(): DatasetAdapter {
  return {
    name: 'tiny',
    unavailable: () => null,
    async prepare(_ex, workDir) {
      const r = rng(5);
      const lines = ['ts,job,event,label,label_shuffled'];
      const labels: number[] = [];
      for (let g = 0; g < 900; g++) labels.push(g < 60 ? (r() < 0.9 ? 1 : 0) : r() < 0.05 ? 1 : 0);
      // A fixed permutation of the labels (7 is coprime with 900): the same failure rate, no tie to any event.
      const shuffled = labels.map((_, i) => labels[(i * 7 + 3) % labels.length]!);
      for (let g = 0; g < 900; g++) {
        const events = ['start', ...(r() < 0.5 ? ['a'] : []), ...(g < 60 ? ['boom'] : []), ...(r() < 0.5 ? ['b'] : []), 'end'];
        events.forEach((e, i) => lines.push(`${new Date(Date.UTC(2026, 0, 1) + g * 60_000 + i * 1000).toISOString()},j${g},${e},${labels[g]},${shuffled[g]}`));
      }
      writeFileSync(join(workDir, 'events.csv'), lines.join('\n') + '\n');
      return labelledDataset({
        name: 'tiny',
        kind: 'hand-made',
        source: 'test',
        grouping: 'job',
        dir: workDir,
        file: 'events.csv',
        group: 'job',
        signatures: [{ id: 'boom', description: 'boom groups', where: "event = 'boom'" }],
      });
    },
  };
}

describe('bench:quality', () => {
  const dir = mkdtempSync(join(tmpdir(), 'surfacer-quality-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs Surfacer and the three baselines and finds a planted signature with each', async () => {
    const unavailable: DatasetAdapter = { name: 'absent', unavailable: () => 'not here', prepare: () => Promise.reject(new Error('never')) };
    const r = await runQuality([tinyAdapter(), unavailable], dir, () => {});
    expect(r.skipped).toEqual([{ name: 'absent', why: 'not here' }]);
    expect(r.datasets).toHaveLength(1);
    const d = r.datasets[0]!;
    expect(Object.keys(d.methods).sort()).toEqual(['elastic', 'macrobase', 'posthog', 'surfacer']);
    expect(d.signatures).toEqual([expect.objectContaining({ id: 'boom', groups: 60, counted: true })]);
    for (const [name, m] of Object.entries(d.methods)) {
      expect({ name, found: m.signatures_found }).toEqual({ name, found: ['boom'] });
      expect(m.recall).toBe(1);
      expect(m.wall_s).toBeGreaterThanOrEqual(0);
      expect(Object.keys(m.leads).sort()).toEqual(['failed', 'failed_shuffled']);
      expect(m.top.failed!.length).toBeGreaterThan(0);
    }
    expect(d.methods.surfacer!.null_false_leads).toBe(0);
    for (const b of ['posthog', 'elastic', 'macrobase']) {
      const f = d.peer_floor[b]!;
      expect(f.lead + f.refinement + f.explained + f.violations).toBe(f.significant);
      expect(f.cases).toHaveLength(f.significant);
    }
    // The boom cohort is significant for every baseline and is Surfacer's lead.
    expect(d.peer_floor.posthog!.cases.find((c) => c.predicate === 'boom present')?.status).toBe('lead');
    expect(markdownTable(r)).toContain('| tiny | surfacer | 1/1 |');
  }, 300_000);
});
