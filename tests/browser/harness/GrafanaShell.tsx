/**
 * Grafana's page chrome, reduced: the top bar with breadcrumbs, the docked navigation with the app's pages, and
 * the PluginPage that plugin pages render into (Grafana core sets it with setPluginPage at startup; without it a
 * plugin page is a bare <div>). Sizes follow Grafana 12/13: 40 px top bar, 300 px docked menu, page padding
 * theme.spacing(2) around a header with the title (h1) and subtitle.
 */
import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2, NavModelItem } from '@grafana/data';
import type { PluginPageProps } from '@grafana/runtime';
import { Icon, useStyles2 } from '@grafana/ui';
import { useLocation } from 'react-router-dom';

export const PLUGIN_ID = 'surfacer-opportunities-app';
const APP_BASE = `/a/${PLUGIN_ID}`;

export interface NavPage {
  text: string;
  url: string;
  icon?: string;
}

let navPages: NavPage[] = [];
let appName = 'Surfacer';
export function setAppNav(name: string, pages: NavPage[]) {
  appName = name;
  navPages = pages;
}

function currentPage(pathname: string): NavPage | undefined {
  return [...navPages].sort((a, b) => b.url.length - a.url.length).find((p) => pathname === p.url || pathname.startsWith(`${p.url}/`));
}

export function Breadcrumbs({ pageNav }: { pageNav?: NavModelItem }) {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  const page = currentPage(pathname);
  const crumbs: Array<{ text: string; url?: string }> = [{ text: 'Home', url: '/' }, { text: 'Apps' }];
  if (pathname.startsWith('/panel')) {
    crumbs.splice(1, 1, { text: 'Dashboards' }, { text: 'Surfacer panel' });
  } else {
    crumbs.push({ text: appName, url: APP_BASE });
    if (page) {
      crumbs.push({ text: page.text, url: page.url });
    }
    if (pageNav) {
      const parents: NavModelItem[] = [];
      let n: NavModelItem | undefined = pageNav;
      while (n) {
        parents.unshift(n);
        n = n.parentItem;
      }
      for (const p of parents) {
        if (!crumbs.some((c) => c.text === p.text)) {
          crumbs.push({ text: p.text, url: p.url });
        }
      }
    }
  }
  return (
    <nav aria-label="Breadcrumbs" className={s.crumbs}>
      {crumbs.map((c, i) => (
        <span key={`${c.text}-${i}`} className={s.crumb}>
          {i > 0 && <Icon name="angle-right" size="sm" className={s.sep} />}
          <span className={i === crumbs.length - 1 ? s.crumbCurrent : undefined}>{c.text}</span>
        </span>
      ))}
    </nav>
  );
}

export function TopBar({ pageNav }: { pageNav?: NavModelItem }) {
  const s = useStyles2(getStyles);
  return (
    <header className={s.topBar}>
      <span className={s.logo} aria-hidden>
        <Icon name="grafana" size="lg" />
      </span>
      <Breadcrumbs pageNav={pageNav} />
      <span className={s.spacer} />
      <span className={s.user}>harness-admin</span>
    </header>
  );
}

export function SideNav() {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  const page = currentPage(pathname);
  return (
    <nav aria-label="Navigation" className={s.sideNav}>
      <div className={s.navSection}>
        <span className={s.navItem}>
          <Icon name="home-alt" /> Home
        </span>
        <span className={s.navItem}>
          <Icon name="apps" /> Dashboards
        </span>
        <span className={s.navItem}>
          <Icon name="compass" /> Explore
        </span>
        <span className={cx(s.navItem, s.navApp)}>
          <Icon name="layer-group" /> {appName}
        </span>
        {navPages.map((p) => (
          <span key={p.url} className={cx(s.navItem, s.navChild, page?.url === p.url && s.navActive)}>
            {p.text}
          </span>
        ))}
      </div>
    </nav>
  );
}

/** What Grafana's Page renders for a plugin page: header (title from pageNav or the app's nav item) and contents. */
export function HarnessPluginPage({ children, pageNav, subTitle, actions, renderTitle, info, layout, background }: PluginPageProps) {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  const page = currentPage(pathname);
  const title = pageNav?.text ?? page?.text ?? appName;
  const canvasBg = String(layout) === 'Canvas' || background === 'canvas';
  return (
    <div className={cx(s.page, canvasBg && s.pageCanvas)} data-harness="plugin-page">
      <div className={s.pageHeader}>
        <div className={s.titleRow}>
          {renderTitle ? renderTitle(title) : <h1 className={s.title}>{title}</h1>}
          {actions && <div className={s.actions}>{actions}</div>}
        </div>
        {(subTitle ?? pageNav?.subTitle) && <div className={s.subTitle}>{subTitle ?? pageNav?.subTitle}</div>}
        {info && info.length > 0 && (
          <div className={s.info}>
            {info.map((i) => (
              <span key={i.label}>
                <strong>{i.label}</strong> {i.value}
              </span>
            ))}
          </div>
        )}
      </div>
      <div className={s.pageContent}>{children}</div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  topBar: css({
    height: 40,
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0, 1),
    background: theme.colors.background.primary,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    position: 'sticky',
    top: 0,
    zIndex: theme.zIndex.navbarFixed,
  }),
  logo: css({ display: 'flex', width: 32, justifyContent: 'center' }),
  crumbs: css({ display: 'flex', alignItems: 'center', flexWrap: 'nowrap', minWidth: 0, overflow: 'hidden', ...theme.typography.bodySmall }),
  crumb: css({ display: 'flex', alignItems: 'center', color: theme.colors.text.secondary, whiteSpace: 'nowrap' }),
  crumbCurrent: css({ color: theme.colors.text.primary }),
  sep: css({ margin: theme.spacing(0, 0.5), color: theme.colors.text.secondary }),
  spacer: css({ flex: 1 }),
  user: css({ ...theme.typography.bodySmall, color: theme.colors.text.secondary, paddingRight: theme.spacing(1) }),
  sideNav: css({
    width: 300,
    flexShrink: 0,
    background: theme.colors.background.primary,
    borderRight: `1px solid ${theme.colors.border.weak}`,
    padding: theme.spacing(1, 0),
    alignSelf: 'stretch',
  }),
  navSection: css({ display: 'flex', flexDirection: 'column', position: 'sticky', top: 48 }),
  navItem: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1.5),
    padding: theme.spacing(0.75, 2),
    color: theme.colors.text.secondary,
    ...theme.typography.bodySmall,
  }),
  navApp: css({ color: theme.colors.text.primary }),
  navChild: css({ paddingLeft: theme.spacing(6) }),
  navActive: css({
    color: theme.colors.text.primary,
    background: theme.colors.action.selected,
    boxShadow: `inset 4px 0 0 ${theme.colors.primary.main}`,
  }),
  page: css({ display: 'flex', flexDirection: 'column', flex: 1, minWidth: 0, padding: theme.spacing(2, 3, 3) }),
  pageCanvas: css({ background: theme.colors.background.canvas }),
  pageHeader: css({ marginBottom: theme.spacing(2) }),
  titleRow: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2), flexWrap: 'wrap' }),
  title: css({ margin: 0, ...theme.typography.h1, flex: 1, minWidth: 0 }),
  actions: css({ display: 'flex', gap: theme.spacing(1) }),
  subTitle: css({ color: theme.colors.text.secondary, marginTop: theme.spacing(1) }),
  info: css({ display: 'flex', gap: theme.spacing(2), marginTop: theme.spacing(1), color: theme.colors.text.secondary }),
  pageContent: css({ flex: 1, minWidth: 0 }),
});
