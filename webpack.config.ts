/**
 * create-plugin's webpack config (.config/webpack, not edited here), extended: the nested panel's own assets
 * (src/panels/<name>/img/) are copied next to its plugin.json in dist/. Grafana resolves a plugin's logos against
 * that plugin's own folder (grafana pkg/plugins/manager/pluginassets, RelativeURL → path.Join(Base, logo)), so the
 * panel ships its logo itself instead of pointing at its parent's with "../..".
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  // `from` is relative to the config's context, src/.
  const panelAssets = new CopyWebpackPlugin({ patterns: [{ from: 'panels/*/img/**/*', to: '[path][name][ext]' }] });
  return { ...base, plugins: [...(base.plugins ?? []), panelAssets] };
};

export default config;
