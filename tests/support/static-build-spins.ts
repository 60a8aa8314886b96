// Loaded by the analysis worker when SURFACER_WORKER_REQUIRE names it (tests/pkg/analysis-worker.test.ts): the
// static family's build() never returns, as a computation too long to wait for would, so the worker cannot see a
// cancel and must be ended from outside.
import { TEMPLATES } from '../../pkg/templates/catalog';

TEMPLATES.static.build = () => {
  for (;;) {
    // spin
  }
};
