/** The app's settings as stored by Grafana (plugin.json routes read these: {{ .JsonData.engineUrl }}, {{ .SecureJsonData.engineToken }}). */
export interface AppJsonData {
  /** Base URL of `surfacer serve`, as Grafana's server reaches it, e.g. http://engine:8787 */
  engineUrl?: string;
  /** uid of the grafana-clickhouse-datasource instance over the same ClickHouse (for "Open in Explore"). */
  clickhouseDatasourceUid?: string;
}

/** Write-only: Grafana keeps it encrypted and injects it as a header on proxied requests; the browser never reads it. */
export interface AppSecureJsonData {
  engineToken?: string;
}
