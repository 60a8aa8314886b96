// Loaded by the analysis worker when SURFACER_WORKER_REQUIRE names it (tests/pkg/analysis-worker.test.ts): the
// static family's build() keeps everything it makes, as an analysis whose rows outgrow its heap would.
import { TEMPLATES } from '../../pkg/templates/catalog';

TEMPLATES.static.build = () => {
  const kept: unknown[] = [];
  for (;;) kept.push({ row: kept.length, text: `row ${kept.length}` });
};
