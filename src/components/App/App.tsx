import React from 'react';
import { Route, Routes } from 'react-router-dom';
import { AppRootProps } from '@grafana/data';
import { ROUTES } from '../../constants';
import type { AppJsonData } from '../../types/settings';

const Investigate = React.lazy(() => import('../../pages/Investigate'));
const Opportunities = React.lazy(() => import('../../pages/Opportunities'));
const LeadDetail = React.lazy(() => import('../../pages/LeadDetail'));
const Templates = React.lazy(() => import('../../pages/Templates'));

function App(props: AppRootProps<AppJsonData>) {
  const dsUid = props.meta?.jsonData?.clickhouseDatasourceUid;
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

export default App;
