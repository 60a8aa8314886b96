/** Style objects shared by pages and components (spread into css({...}) and extended where a place differs). */
import type { GrafanaTheme2 } from '@grafana/data';

/** A bordered section of a page: the cards of Investigate and Lead detail, the run progress box. */
export function cardCss(theme: GrafanaTheme2, background: string = theme.colors.background.primary) {
  return {
    display: 'flex',
    flexDirection: 'column' as const,
    gap: theme.spacing(1),
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background,
  };
}

/** A compact data table: full width, small type, ruled rows, muted headers. */
export function dataTableCss(theme: GrafanaTheme2) {
  return {
    width: '100%',
    borderCollapse: 'collapse' as const,
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      textAlign: 'left' as const,
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  };
}
