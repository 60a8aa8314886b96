/** Triage a lead: acknowledge, mark useful or dismiss (click again to undo), and a note. */
import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, IconButton, Input, Stack, useStyles2 } from '@grafana/ui';
import type { Lead, TriageRequest, TriageStatus } from '../../types/api';
import { testIds } from '../testIds';

export interface TriageActionsProps {
  lead: Pick<Lead, 'id' | 'status' | 'note'>;
  /** Called with the change; the caller updates optimistically and talks to the engine. */
  onTriage: (req: TriageRequest) => void | Promise<void>;
  /** A request for this lead is in flight. */
  busy?: boolean;
  /** Compact (icon buttons, note behind a toggle) for table rows; full for the detail page. */
  compact?: boolean;
  /** Why this user cannot triage (a Viewer): every control disabled, the reason on hover. */
  disabledReason?: string;
}

const ACTIONS: Array<{
  status: TriageStatus;
  label: string;
  done: string;
  icon: 'eye' | 'thumbs-up' | 'times';
  testId: string;
}> = [
  {
    status: 'acknowledged',
    label: 'Acknowledge',
    done: 'Acknowledged',
    icon: 'eye',
    testId: testIds.triage.acknowledge,
  },
  { status: 'useful', label: 'Useful', done: 'Marked useful', icon: 'thumbs-up', testId: testIds.triage.useful },
  { status: 'dismissed', label: 'Dismiss', done: 'Dismissed', icon: 'times', testId: testIds.triage.dismiss },
];

export function TriageActions({ lead, onTriage, busy, compact, disabledReason }: TriageActionsProps) {
  const off = busy || !!disabledReason;
  const s = useStyles2(getStyles);
  // The note being typed; null shows the lead's saved note.
  const [draft, setDraft] = useState<string | null>(null);
  const note = draft ?? lead.note ?? '';
  const [editing, setEditing] = useState(!compact);

  const set = (status: TriageStatus) => onTriage({ status: lead.status === status ? 'new' : status });
  const saveNote = () => {
    onTriage({ note });
    setDraft(null);
    if (compact) {
      setEditing(false);
    }
  };

  return (
    <div className={s.wrap}>
      <Stack gap={compact ? 0.5 : 1} alignItems="center" wrap={compact ? 'nowrap' : 'wrap'}>
        {ACTIONS.map((a) => {
          const active = lead.status === a.status;
          const title = disabledReason ?? (active ? `${a.done} — click to mark untriaged` : a.label);
          return compact ? (
            <Button
              key={a.status}
              size="sm"
              icon={a.icon}
              variant={active ? 'primary' : 'secondary'}
              fill={active ? 'solid' : 'outline'}
              tooltip={title}
              aria-label={a.label}
              aria-pressed={active}
              data-testid={a.testId}
              disabled={off}
              onClick={() => set(a.status)}
            />
          ) : (
            <Button
              key={a.status}
              size="sm"
              icon={a.icon}
              variant={active ? 'primary' : 'secondary'}
              tooltip={disabledReason ?? (active ? 'Click to mark untriaged' : undefined)}
              aria-pressed={active}
              data-testid={a.testId}
              disabled={off}
              onClick={() => set(a.status)}
            >
              {a.label}
            </Button>
          );
        })}
        {compact && (
          <IconButton
            name="comment-alt"
            size="md"
            tooltip={lead.note ? `Note: ${lead.note}` : 'Add a note'}
            variant={lead.note ? 'primary' : 'secondary'}
            disabled={!!disabledReason}
            onClick={() => setEditing((e) => !e)}
          />
        )}
      </Stack>
      {editing && (
        <div className={compact ? s.noteCompact : s.note}>
          <Input
            value={note}
            placeholder="Note (e.g. owner, ticket, why dismissed)"
            aria-label="Triage note"
            data-testid={testIds.triage.note}
            onChange={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && note !== (lead.note ?? '')) {
                saveNote();
              }
            }}
            disabled={busy}
          />
          <Button
            size="sm"
            variant="secondary"
            data-testid={testIds.triage.saveNote}
            disabled={busy || note === (lead.note ?? '')}
            onClick={saveNote}
          >
            Save note
          </Button>
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  note: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', minWidth: 280 }),
  // In a table row the column is narrow: the input over its button, both as wide as the column.
  noteCompact: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'stretch',
    gap: theme.spacing(0.5),
    minWidth: 0,
  }),
});
