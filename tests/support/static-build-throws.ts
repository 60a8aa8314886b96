// Loaded by the analysis worker when SURFACER_WORKER_REQUIRE names it (tests/pkg/hostile.test.ts): the static
// family's build() throws, as a template bug would, so the compiler must leave its items out with a note.
import { TEMPLATES } from '../../pkg/templates/catalog';

TEMPLATES.static.build = () => {
  throw new Error('an item the compiler cannot build');
};
