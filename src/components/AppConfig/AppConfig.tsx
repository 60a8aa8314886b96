/**
 * The app's configuration page: where the engine is, its token (write-only), the ClickHouse data source used for
 * "Open in Explore", and a connection test through the saved proxy route. Logic lives in services/connection.ts.
 */
import React, { FormEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps } from '@grafana/data';
import { DataSourcePicker, getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, Text, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';
import type { AppJsonData } from '../../types/settings';
import {
  type ConnectionResult,
  type SettingsForm,
  type SettingsPayload,
  STEP_LABELS,
  formFromMeta,
  isDirty,
  settingsPayload,
  testConnection,
  validateEngineUrl,
} from '../../services/connection';

export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppJsonData>> {}

/** Indirection so tests can observe the reload that follows a save (jsdom can't reload). */
export const pageReload = { reload: () => window.location.reload() };

export async function saveSettings(pluginId: string, data: SettingsPayload): Promise<void> {
  await lastValueFrom(
    getBackendSrv().fetch({
      url: `/api/plugins/${pluginId}/settings`,
      method: 'POST',
      data,
      showErrorAlert: false,
    })
  );
}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const meta = plugin.meta;
  const [form, setForm] = useState<SettingsForm>(() => formFromMeta(meta));
  const [touchedUrl, setTouchedUrl] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionResult>();

  const urlError = validateEngineUrl(form.engineUrl);
  const dirty = isDirty(meta, form);
  const savedUrl = meta.jsonData?.engineUrl;
  const managed = new Set(meta.jsonData?.managedByProvisioning ?? []);

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setTouchedUrl(true);
    if (urlError || saving) {
      return;
    }
    setSaving(true);
    setSaveError(undefined);
    try {
      await saveSettings(meta.id, settingsPayload(meta, form));
      // Grafana doesn't push new settings to a loaded plugin; reloading is the supported way (as the scaffold did).
      pageReload.reload();
    } catch (err) {
      setSaveError(errorMessage(err));
      setSaving(false);
    }
  };

  const onTest = async () => {
    setTesting(true);
    setResult(undefined);
    try {
      setResult(await testConnection({ engineUrl: savedUrl, tokenConfigured: Boolean(meta.secureJsonFields?.engineToken) }));
    } finally {
      setTesting(false);
    }
  };

  return (
    <form onSubmit={onSubmit} className={s.form}>
      <FieldSet label="Engine">
        <Field
          label="Engine URL"
          description={withManaged(
            managed.has('engineUrl'),
            "Where `surfacer serve` listens, as Grafana's server reaches it (requests go through Grafana's plugin proxy, not your browser)."
          )}
          disabled={managed.has('engineUrl')}
          invalid={touchedUrl && Boolean(urlError)}
          error={touchedUrl ? urlError : undefined}
          required
        >
          <Input
            width={60}
            id="config-engine-url"
            data-testid={testIds.appConfig.engineUrl}
            value={form.engineUrl}
            placeholder="http://engine:8787"
            onChange={(e) => setForm({ ...form, engineUrl: e.currentTarget.value })}
            onBlur={() => setTouchedUrl(true)}
          />
        </Field>

        <Field
          label="Engine token"
          description={withManaged(
            managed.has('engineToken'),
            'The bearer token `surfacer serve` expects (SURFACER_TOKEN). Grafana stores it encrypted and adds it to proxied requests; it is never sent back to the browser.'
          )}
          disabled={managed.has('engineToken')}
        >
          <SecretInput
            width={60}
            id="config-engine-token"
            data-testid={testIds.appConfig.engineToken}
            value={form.engineToken}
            isConfigured={form.tokenConfigured}
            placeholder="Engine API token"
            autoComplete="off"
            onChange={(e) => setForm({ ...form, engineToken: e.currentTarget.value })}
            onReset={() => setForm({ ...form, engineToken: '', tokenConfigured: false })}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Explore">
        <Field
          label="ClickHouse data source"
          description={withManaged(
            managed.has('clickhouseDatasourceUid'),
            'The ClickHouse data source over the same database as the engine; used by “Open in Explore” on a lead.'
          )}
          disabled={managed.has('clickhouseDatasourceUid')}
        >
          <div data-testid={testIds.appConfig.datasource}>
            <DataSourcePicker
              width={60}
              inputId="config-clickhouse-datasource"
              pluginId={CLICKHOUSE_PLUGIN_ID}
              current={form.clickhouseDatasourceUid || null}
              noDefault
              disabled={managed.has('clickhouseDatasourceUid')}
              placeholder="Select a ClickHouse data source"
              onChange={(ds) => setForm({ ...form, clickhouseDatasourceUid: ds.uid })}
              onClear={() => setForm({ ...form, clickhouseDatasourceUid: '' })}
            />
          </div>
        </Field>
      </FieldSet>

      {saveError && (
        <Alert severity="error" title="The settings were not saved">
          {saveError}
        </Alert>
      )}

      <Stack direction="row" gap={1} alignItems="center">
        <Button type="submit" data-testid={testIds.appConfig.submit} disabled={saving || (touchedUrl && Boolean(urlError))}>
          {saving ? 'Saving…' : 'Save settings'}
        </Button>
        <Button
          type="button"
          variant="secondary"
          icon={testing ? 'spinner' : 'heart-rate'}
          data-testid={testIds.appConfig.testConnection}
          disabled={testing}
          onClick={onTest}
        >
          Test connection
        </Button>
      </Stack>
      <div className={s.hint}>
        <Text variant="bodySmall" color="secondary">
          The test uses the saved settings{dirty ? ': you have unsaved changes, save first' : ''}.
        </Text>
      </div>

      {result && (
        <div className={s.result} data-testid={testIds.appConfig.connectionResult}>
          <ConnectionAlert result={result} />
        </div>
      )}
    </form>
  );
};

/** Grafana re-applies provisioned app settings at every start: a field set there is not edited here. */
export const MANAGED_NOTE = 'Managed by provisioning (provisioning/plugins/apps.yaml): Grafana applies it again at every start, so change it there.';

function withManaged(isManaged: boolean, description: string): string {
  return isManaged ? `${MANAGED_NOTE} ${description}` : description;
}

function ConnectionAlert({ result }: { result: ConnectionResult }) {
  if (result.ok) {
    const noKpis = result.kpis === 0;
    return (
      <Alert severity={noKpis ? 'warning' : 'success'} title="Connected to the Surfacer engine">
        Engine {result.version}, {result.store} store, {result.kpis} KPI{result.kpis === 1 ? '' : 's'}
        {result.kpis > 0 ? ` (${result.kpiNames.slice(0, 5).join(', ')}${result.kpis > 5 ? ', …' : ''})` : ''}.
        {noKpis && ' The engine has no KPIs: define them in its configuration before investigating.'}
      </Alert>
    );
  }
  return (
    <Alert severity="error" title={result.title}>
      <div>
        Failed at step: <strong>{STEP_LABELS[result.step]}</strong>
      </div>
      <div>{result.message}</div>
    </Alert>
  );
}

function errorMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const data = (e as { data?: { message?: unknown } }).data;
    if (data && typeof data.message === 'string') {
      return data.message;
    }
    if (e instanceof Error) {
      return e.message;
    }
    const status = (e as { status?: unknown }).status;
    if (typeof status === 'number') {
      return `Grafana answered ${status}. Only an Admin can change app settings.`;
    }
  }
  return String(e);
}

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({ maxWidth: theme.spacing(100) }),
  hint: css({ marginTop: theme.spacing(1) }),
  result: css({ marginTop: theme.spacing(2) }),
});
