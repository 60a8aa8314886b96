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
  /** The label in a table row, where the column is narrow. */
  short: string;
  done: string;
  icon: 'eye' | 'thumbs-up' | 'times';
  testId: string;
}> = [
  {
    status: 'acknowledged',
    label: 'Acknowledge',
    short: 'Ack',
    done: 'Acknowledged',
    icon: 'eye',
    testId: testIds.triage.acknowledge,
  },
  {
    status: 'useful',
    label: 'Useful',
    short: 'Useful',
    done: 'Marked useful',
    icon: 'thumbs-up',
    testId: testIds.triage.useful,
  },
  {
    status: 'dismissed',
    label: 'Dismiss',
    short: 'Dismiss',
    done: 'Dismissed',
    icon: 'times',
    testId: testIds.triage.dismiss,
  },
];

export function TriageActions({ lead, onTriage, busy, compact, disabledReason }: TriageActionsProps) {
  const off = busy || !!disabledReason;
  const s = useStyles2(getStyles);
  // The note being typed; null shows the lead's saved note.
  const [draft, setDraft] = useState<string | null>(null);
  const note = draft ?? lead.note ?? '';
  const [editing, setEditing] = useState(!compact);
  // The one button of the row's group reached by Tab: the active status, else the first.
  const [focusIndex, setFocusIndex] = useState(() =>
    Math.max(
      0,
      ACTIONS.findIndex((a) => a.status === lead.status)
    )
  );

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
        {/* In a row the three buttons are one tab stop (arrow keys move between them), so a table stays quick to tab through. */}
        <div
          role="group"
          aria-label="Triage"
          className={compact ? s.group : s.groupFull}
          onKeyDown={compact ? (e) => moveFocus(e, setFocusIndex) : undefined}
        >
          {ACTIONS.map((a, i) => {
            const active = lead.status === a.status;
            const title = disabledReason ?? (active ? `${a.done} — click to mark untriaged` : a.label);
            return compact ? (
              <Button
                key={a.status}
                size="sm"
                variant={active ? 'primary' : 'secondary'}
                fill={active ? 'solid' : 'outline'}
                // A native title, not a Tooltip (it makes each button a tab stop of its own); a Viewer's disabled
                // buttons keep Grafana's tooltip, the only way a disabled button says why on hover.
                title={disabledReason ? undefined : title}
                tooltip={disabledReason}
                aria-pressed={active}
                data-testid={a.testId}
                disabled={off}
                tabIndex={i === focusIndex ? 0 : -1}
                onFocus={() => setFocusIndex(i)}
                onClick={() => set(a.status)}
              >
                {a.short}
              </Button>
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
        </div>
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

/** Arrow keys move focus between a row's triage buttons (one tab stop for the group). */
function moveFocus(e: React.KeyboardEvent<HTMLDivElement>, set: (i: number) => void) {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') {
    return;
  }
  const buttons = Array.from(e.currentTarget.querySelectorAll('button'));
  const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const next = (i + (e.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length;
  e.preventDefault();
  set(next);
  buttons[next]?.focus();
}

const getStyles = (theme: GrafanaTheme2) => ({
  group: css({ display: 'flex', gap: theme.spacing(0.5), flexWrap: 'nowrap' }),
  groupFull: css({ display: 'flex', gap: theme.spacing(1), flexWrap: 'wrap' }),
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
