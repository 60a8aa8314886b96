import { PanelOptionsEditorBuilder, standardEditorsRegistry } from '@grafana/data';
import { plugin } from './module';
import pluginJson from './plugin.json';
import appPluginJson from '../../plugin.json';
import { defaultOptions, type PanelOptions } from './types';

// Grafana fills the standard editors registry at startup; tests stand in with the two the panel uses.
standardEditorsRegistry.setInit(() => [
  { id: 'number', name: 'Number', editor: () => null },
  { id: 'boolean', name: 'Boolean', editor: () => null },
]);

describe('nested panel plugin', () => {
  it('is a panel plugin with its own id, without queries, listed in the app’s includes', () => {
    expect(pluginJson).toMatchObject({ type: 'panel', id: 'surfacer-opportunities-panel', skipDataQuery: true });
    // Declared in the app's includes with the folder it is built to (dist/panels/opportunities).
    expect(appPluginJson.includes).toContainEqual({ type: 'panel', name: pluginJson.name, path: 'panels/opportunities' });
  });

  it('declares the options with their defaults', () => {
    const builder = new PanelOptionsEditorBuilder<PanelOptions>();
    plugin.getPanelOptionsSupplier()(builder, { data: [] });
    const editors = builder.getItems();
    expect(plugin.defaults).toEqual(defaultOptions);
    expect(editors.map((e) => e.path)).toEqual(['kpi', 'statuses', 'maxLeads', 'showPrompt']);
    expect(Object.fromEntries(editors.map((e) => [e.path, e.defaultValue]))).toEqual(defaultOptions);
  });
});
