export { LeadsTable, type LeadsTableProps } from './LeadsTable';
export { NewKnownBadge, StatusBadge } from './LeadBadges';
