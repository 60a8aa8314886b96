import React, { Suspense, lazy } from 'react';
import { AppPlugin, type AppRootProps, type PluginExtensionPanelContext } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import type { AppConfigProps } from './components/AppConfig/AppConfig';
import type { AppJsonData } from './types/settings';
import { configurePanelMenuLink, INVESTIGATE_PATH, PANEL_MENU_LINK } from './extensions/panelMenuLink';

const LazyApp = lazy(() => import('./components/App/App'));
const LazyAppConfig = lazy(() => import('./components/AppConfig/AppConfig'));

const App = (props: AppRootProps<AppJsonData>) => (
  <Suspense fallback={<LoadingPlaceholder text="" />}>
    <LazyApp {...props} />
  </Suspense>
);

const AppConfig = (props: AppConfigProps) => (
  <Suspense fallback={<LoadingPlaceholder text="" />}>
    <LazyAppConfig {...props} />
  </Suspense>
);

export const plugin = new AppPlugin<AppJsonData>()
  .setRootPage(App)
  .addConfigPage({
    title: 'Configuration',
    icon: 'cog',
    body: AppConfig,
    id: 'configuration',
  })
  // Declared in plugin.json extensions.addedLinks with the same targets and title (Grafana checks both at load).
  .addLink<PluginExtensionPanelContext>({
    ...PANEL_MENU_LINK,
    path: INVESTIGATE_PATH,
    configure: configurePanelMenuLink,
  });
