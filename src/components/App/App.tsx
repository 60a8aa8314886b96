import React from 'react';
import { Route, Routes } from 'react-router-dom';
import { AppRootProps } from '@grafana/data';
import { Alert, LinkButton } from '@grafana/ui';
import { PLUGIN_ID, ROUTES } from '../../constants';
import type { AppJsonData } from '../../types/settings';
import { testIds } from '../testIds';

const Investigate = React.lazy(() => import('../../pages/Investigate'));
const Opportunities = React.lazy(() => import('../../pages/Opportunities'));
const LeadDetail = React.lazy(() => import('../../pages/LeadDetail'));
const Templates = React.lazy(() => import('../../pages/Templates'));

function App(props: AppRootProps<AppJsonData>) {
  const dsUid = props.meta?.jsonData?.clickhouseDatasourceUid;
  if (!props.meta?.jsonData?.engineUrl) {
    // Grafana's proxy would answer 502 for every call (the route URL renders to nothing it can reach): say what is
    // missing and where to set it instead.
    return <NotConfigured />;
  }
  return (
    <Routes>
      <Route path={ROUTES.Investigate} element={<Investigate />} />
      <Route path={ROUTES.Opportunities} element={<Opportunities />} />
      <Route path={ROUTES.Lead} element={<LeadDetail clickhouseDatasourceUid={dsUid} />} />
      <Route path={ROUTES.Templates} element={<Templates />} />
      {/* Default page */}
      <Route path="*" element={<Investigate />} />
    </Routes>
  );
}

function NotConfigured() {
  return (
    <div data-testid={testIds.states.notConfigured}>
      <Alert severity="info" title="Surfacer is not configured yet">
        <p>No engine URL is saved, so Grafana has nowhere to send the app&apos;s requests. Set the URL of `surfacer serve` (and its token) on the app&apos;s configuration page.</p>
        <LinkButton href={`/plugins/${PLUGIN_ID}`} icon="cog">
          Open the configuration page
        </LinkButton>
      </Alert>
    </div>
  );
}

export default App;
