/** The app's settings as stored by Grafana (plugin.json routes read these: {{ .JsonData.engineUrl }}, {{ .SecureJsonData.engineToken }}). */
export interface AppJsonData {
  /** Base URL of `surfacer serve`, as Grafana's server reaches it, e.g. http://engine:8787 */
  engineUrl?: string;
  /** uid of the grafana-clickhouse-datasource instance over the same ClickHouse (for "Open in Explore"). */
  clickhouseDatasourceUid?: string;
  /**
   * The settings a provisioning file sets (provisioning/plugins/apps.yaml): Grafana applies them again at every start,
   * so the configuration page shows them as managed there instead of accepting a change the next restart undoes.
   */
  managedByProvisioning?: ManagedSetting[];
}

export type ManagedSetting = 'engineUrl' | 'clickhouseDatasourceUid' | 'engineToken';

/** Write-only: Grafana keeps it encrypted and injects it as a header on proxied requests; the browser never reads it. */
export interface AppSecureJsonData {
  engineToken?: string;
}
