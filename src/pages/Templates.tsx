/** Templates: the hypothesis families the engine can test, each with an example and its parameters. */
import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Card, Text, Tooltip, useStyles2 } from '@grafana/ui';
import { Empty, ErrorState, Loading } from '../components/States/States';
import { testIds } from '../components/testIds';
import { useAsync } from '../hooks/useAsync';
import { engine } from '../services/engine';
import { schemaParams } from '../services/templates';
import { dataTableCss } from '../components/styles';

function Templates() {
  const s = useStyles2(getStyles);
  const templates = useAsync(() => engine.templates(), []);

  return (
    <PluginPage subTitle="The hypothesis families Surfacer tests. Set their parameters under Advanced on the Investigate page.">
      <div data-testid={testIds.templates.container}>
        {templates.loading ? (
          <Loading text="Loading the template catalog…" />
        ) : templates.error ? (
          <ErrorState title="Could not load the template catalog" error={templates.error} onRetry={templates.reload} />
        ) : !templates.value?.length ? (
          <Empty message="The engine reports no template families" />
        ) : (
          <div className={s.grid}>
            {templates.value.map((t) => {
              const params = schemaParams(t.params_schema);
              return (
                <Card key={t.name} data-testid={testIds.templates.card(t.name)} className={s.card}>
                  <Card.Heading>
                    <code>{t.name}</code>
                  </Card.Heading>
                  <Card.Description>
                    <div className={s.body}>
                      <Text>{t.summary}</Text>
                      <div className={s.example}>
                        <span className={s.exampleLabel}>Example cohort</span>
                        <span>{t.example}</span>
                      </div>
                      {params.length ? (
                        <table className={s.table} aria-label={`${t.name} parameters`}>
                          <colgroup>
                            <col className={s.colName} />
                            <col className={s.colType} />
                            <col className={s.colDefault} />
                            <col />
                          </colgroup>
                          <thead>
                            <tr>
                              <th>Parameter</th>
                              <th>Type</th>
                              <th>Default</th>
                              <th>Description</th>
                            </tr>
                          </thead>
                          <tbody>
                            {params.map((p) => (
                              <tr key={p.name}>
                                <td>
                                  <code className={s.value}>{breakable(p.name, /(_)/)}</code>
                                  {p.required && <span className={s.required}> *</span>}
                                </td>
                                <td>
                                  <code className={cx(s.value, s.type)}>{breakable(p.type, /(<)/)}</code>
                                  {p.constraint && <div className={s.muted}>{p.constraint}</div>}
                                </td>
                                <td>
                                  {p.default !== undefined ? (
                                    p.default.length > DEFAULT_MAX ? (
                                      // A long default (e.g. a list of hour bands): clamped, the whole value on hover.
                                      <Tooltip
                                        content={<code className={s.tooltipCode}>{p.default}</code>}
                                        placement="top"
                                      >
                                        <code className={cx(s.value, s.clamped)} tabIndex={0}>
                                          {p.default}
                                        </code>
                                      </Tooltip>
                                    ) : (
                                      <code className={s.value}>{p.default}</code>
                                    )
                                  ) : (
                                    <span className={s.muted}>–</span>
                                  )}
                                </td>
                                <td className={cx(s.muted, s.description)}>{p.description ?? ''}</td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      ) : (
                        <Text color="secondary" variant="bodySmall">
                          No parameters.
                        </Text>
                      )}
                    </div>
                  </Card.Description>
                </Card>
              );
            })}
          </div>
        )}
      </div>
    </PluginPage>
  );
}

export default Templates;

/** Lets the browser break an identifier after each `_` (or before each `<` of a type) rather than mid-word. */
function breakable(text: string, at: RegExp): React.ReactNode {
  const parts = text.split(at);
  return parts.map((part, i) =>
    part === '_' ? (
      <React.Fragment key={i}>
        _<wbr />
      </React.Fragment>
    ) : part === '<' && i > 0 ? (
      <React.Fragment key={i}>
        <wbr />
        {'<'}
      </React.Fragment>
    ) : (
      part
    )
  );
}

/** Defaults longer than this are clamped to a few lines, with the whole value in a tooltip. */
const DEFAULT_MAX = 60;

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(min(460px, 100%), 1fr))',
    gap: theme.spacing(2),
  }),
  card: css({ height: '100%', marginBottom: 0, minWidth: 0 }),
  body: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1.5), color: theme.colors.text.primary }),
  example: css({
    display: 'flex',
    flexDirection: 'column',
    padding: theme.spacing(1),
    borderLeft: `3px solid ${theme.colors.primary.border}`,
    background: theme.colors.background.secondary,
    fontStyle: 'italic',
  }),
  exampleLabel: css({
    fontStyle: 'normal',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  table: css({
    ...dataTableCss(theme),
    tableLayout: 'fixed',
    'th, td': { ...dataTableCss(theme)['th, td'], verticalAlign: 'top' },
  }),
  colName: css({ width: '31%' }),
  colType: css({ width: '21%' }),
  colDefault: css({ width: '22%' }),
  // Identifiers and values break anywhere rather than widen the table past its card.
  // (Grafana's global code style is nowrap.)
  value: css({
    display: 'inline-block',
    maxWidth: '100%',
    whiteSpace: 'normal',
    overflowWrap: 'anywhere',
    wordBreak: 'break-word',
  }),
  clamped: css({
    display: '-webkit-box',
    WebkitLineClamp: 3,
    WebkitBoxOrient: 'vertical',
    overflow: 'hidden',
    cursor: 'help',
  }),
  tooltipCode: css({ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxWidth: 480, display: 'block' }),
  type: css({ whiteSpace: 'normal', overflowWrap: 'anywhere' }),
  description: css({ overflowWrap: 'anywhere' }),
  required: css({ color: theme.colors.error.text }),
  muted: css({ color: theme.colors.text.secondary }),
});
