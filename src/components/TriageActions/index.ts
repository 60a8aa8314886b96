export { TriageActions, type TriageActionsProps } from './TriageActions';
