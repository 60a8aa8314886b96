import { engine } from '../services/engine';
import { useAsync } from './useAsync';

// One request per page load: every table on the page shares it; a failed one is asked again next time.
let catalogOrder: Promise<string[]> | undefined;

/** The families in the engine's catalog order (GET /api/templates), its display order; empty until it answers. */
export function useFamilyOrder(): string[] {
  const order = useAsync(() => {
    catalogOrder ??= engine.templates().then(
      (templates) => templates.map((t) => t.name),
      (e) => {
        catalogOrder = undefined;
        throw e;
      }
    );
    return catalogOrder;
  }, []);
  return order.value ?? [];
}
