/** The prompt's scope as removable chips, before the run: what the run will analyse and which words said so. */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { IconButton, useStyles2 } from '@grafana/ui';
import type { ScopeChip } from '../../services/scope';
import { testIds } from '../testIds';

export function ScopeChips({ chips, onRemove }: { chips: ScopeChip[]; onRemove: (key: string) => void }) {
  const s = useStyles2(getStyles);
  if (!chips.length) {
    return null;
  }
  return (
    <div className={s.row} data-testid={testIds.investigate.scope} aria-label="Scope from the prompt">
      <span className={s.lead}>Only:</span>
      {chips.map((c) => (
        <span
          key={c.key}
          className={s.chip}
          data-testid={testIds.investigate.scopeChip(c.key)}
          title={`From “${c.phrase}” in the prompt`}
        >
          {c.label}
          <IconButton name="times" size="sm" aria-label={`Remove ${c.label}`} onClick={() => onRemove(c.key)} />
        </span>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(0.5, 1) }),
  lead: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  chip: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.25, 0.5, 0.25, 1),
    borderRadius: theme.shape.radius.pill,
    border: `1px solid ${theme.colors.primary.border}`,
    background: theme.colors.primary.transparent,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
