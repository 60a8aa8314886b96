/** Panel option editor: the KPI, picked from the engine's /api/kpis, or typed when the engine can't list them. */
import React, { useEffect, useMemo, useState } from 'react';
import type { StandardEditorProps } from '@grafana/data';
import { Combobox, type ComboboxOption, Input, Text } from '@grafana/ui';
import { engine, toEngineError } from '../../services/engine';
import type { Kpi } from '../../types/api';
import { testIds } from '../../components/testIds';

export function kpiOptions(kpis: Kpi[], current: string): Array<ComboboxOption<string>> {
  const options = kpis.map((k) => ({ label: k.name, value: k.name, description: k.description || k.kind }));
  // A saved KPI the engine no longer lists stays selectable, so opening the editor doesn't silently drop it.
  if (current && !kpis.some((k) => k.name === current)) {
    options.unshift({ label: current, value: current, description: 'Not in the engine’s KPI list' });
  }
  return options;
}

export function KpiEditor({ value, onChange }: StandardEditorProps<string>) {
  const [kpis, setKpis] = useState<Kpi[]>();
  const [error, setError] = useState<string>();
  const current = value ?? '';

  useEffect(() => {
    let cancelled = false;
    engine
      .kpis()
      .then((list) => !cancelled && setKpis(list))
      .catch((e) => !cancelled && setError(toEngineError(e, 'KPIs').message));
    return () => {
      cancelled = true;
    };
  }, []);

  const options = useMemo(() => kpiOptions(kpis ?? [], current), [kpis, current]);

  if (error) {
    return (
      <div data-testid={testIds.panel.kpiEditor}>
        <Input
          value={current}
          placeholder="KPI name, e.g. checkout_failed"
          onChange={(e) => onChange(e.currentTarget.value.trim())}
        />
        <Text variant="bodySmall" color="secondary">
          Couldn’t list the engine’s KPIs ({error}); type the KPI name.
        </Text>
      </div>
    );
  }

  return (
    <div data-testid={testIds.panel.kpiEditor}>
      <Combobox<string>
        loading={!kpis}
        options={options}
        value={current || null}
        placeholder="All KPIs"
        createCustomValue
        customValueDescription="Use this KPI name"
        isClearable
        onChange={(v) => onChange(v?.value ?? '')}
        noOptionsMessage="The engine has no KPIs"
      />
    </div>
  );
}
