import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findCycles, importGraph } from '../support/import-cycles';

const ROOT = resolve(__dirname, '../..');

describe('import cycles', () => {
  it('pkg/ and src/ import each other in no cycle', () => {
    const graph = importGraph([join(ROOT, 'pkg'), join(ROOT, 'src')]);
    expect(graph.size).toBeGreaterThan(100);
    // The planner's modules are read: the graph sees their imports.
    expect(graph.get(join(ROOT, 'pkg/planner/llm.ts'))).toContain(join(ROOT, 'pkg/planner/deterministic.ts'));
    expect(findCycles(graph, ROOT).map((c) => c.join(' → '))).toEqual([]);
  });

  it('reports a cycle as its path, type-only, re-export and index imports included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    try {
      mkdirSync(join(dir, 'lib'));
      writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = b;\n");
      writeFileSync(join(dir, 'b.ts'), "export { c as b } from './lib';\n");
      writeFileSync(join(dir, 'lib/index.ts'), "import type { A } from '../a';\nexport const c = 1 as unknown as A;\n");
      writeFileSync(join(dir, 'leaf.ts'), "import { a } from './a';\nimport 'node:fs';\nexport const leaf = a;\n");
      expect(findCycles(importGraph([dir]), dir)).toEqual([['a.ts', 'b.ts', join('lib', 'index.ts'), 'a.ts']]);
      writeFileSync(join(dir, 'lib/index.ts'), 'export const c = 1;\n');
      expect(findCycles(importGraph([dir]), dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
