import { useEffect, useEffectEvent, useRef, useState } from 'react';
import { Link } from 'react-router';
import { isApiError, NetworkError } from '../../../api/errors';
import type { Case } from '../../../api/types';
import { Alert } from '../../../components/Alert';
import { DateTime } from '../../../components/DateTime';
import { FormField } from '../../../components/FormField';
import { RequestId } from '../../../components/ProblemMessage';
import { RetryTime } from '../../../components/RetryTime';
import { t } from '../../../i18n';
import { trimWhiteSpace } from '../../../lib/text';
import { useNow } from '../../../lib/useNow';
import { uuidv4 } from '../../../lib/uuid';
import {
  canReopen,
  isReopenWindowClosed,
  useCaseStatus,
  validateCloseReason,
  type CaseStatusAction,
} from '../api/caseStatus';

interface CaseStatusActionsProps {
  item: Case;
  customerId: string;
  csrfToken: string;
}

type ActionProblem =
  | { kind: 'windowClosed' }
  | { kind: 'rateLimited'; retryAt: Date | undefined }
  | { kind: 'failed'; requestId: string | undefined };

type Focus = 'confirm' | 'trigger' | 'message' | 'problem' | 'reason';

/**
 * Close and reopen buttons for a case, each behind a confirmation step in the page (focus moves
 * into it, Escape or Cancel leaves it and returns focus to the button). Closing takes an
 * optional reason for the agents. A reopen refused because the case was closed too long ago says
 * so and links to a new case. What was typed stays on any error.
 */
export function CaseStatusActions({ item, customerId, csrfToken }: CaseStatusActionsProps) {
  const now = useNow();
  const mutation = useCaseStatus(customerId, item.id);
  const [confirming, setConfirming] = useState<CaseStatusAction | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [problem, setProblem] = useState<ActionProblem | null>(null);
  const [done, setDone] = useState<CaseStatusAction | null>(null);
  const [focus, setFocus] = useState<{ target: Focus; seq: number } | null>(null);
  // One Idempotency-Key per attempt; retrying the same request reuses it.
  const attempt = useRef<{ key: string; fingerprint: string } | null>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const confirmHeadingRef = useRef<HTMLHeadingElement>(null);
  const messageRef = useRef<HTMLDivElement>(null);
  const problemRef = useRef<HTMLDivElement>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!focus) return;
    const element = {
      confirm: confirmHeadingRef,
      trigger: triggerRef,
      message: messageRef,
      problem: problemRef,
      reason: reasonRef,
    }[focus.target].current;
    element?.focus();
  }, [focus]);

  const requestFocus = (target: Focus) => {
    setFocus((previous) => ({ target, seq: (previous?.seq ?? 0) + 1 }));
  };

  // Once the server said the window has passed, the page no longer offers to reopen, whatever
  // the time it was loaded at suggested.
  const refused = problem?.kind === 'windowClosed' && item.is_closed;
  const available: CaseStatusAction | null = !item.is_closed ? 'close' : canReopen(item, now) && !refused ? 'reopen' : null;
  const pending = mutation.isPending;

  const start = (action: CaseStatusAction) => {
    setDone(null);
    setProblem(null);
    setConfirming(action);
    requestFocus('confirm');
  };

  const cancel = () => {
    if (pending) return;
    setConfirming(null);
    setReasonError(undefined);
    setProblem(null);
    requestFocus('trigger');
  };

  // Escape leaves the confirmation, as it would close a dialog.
  const onEscape = useEffectEvent(() => {
    cancel();
  });
  useEffect(() => {
    if (confirming === null) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      onEscape();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [confirming]);

  const confirm = () => {
    if (!confirming || pending) return;
    const action = confirming;
    if (action === 'close') {
      const issue = validateCloseReason(reason);
      if (issue) {
        setReasonError(t(issue.key, issue.vars));
        requestFocus('reason');
        return;
      }
    }
    setReasonError(undefined);
    setProblem(null);
    const fingerprint = action === 'close' ? `close:${trimWhiteSpace(reason)}` : 'reopen';
    if (attempt.current?.fingerprint !== fingerprint) attempt.current = { key: uuidv4(), fingerprint };
    mutation.mutate(
      { action, reason, idempotencyKey: attempt.current.key, csrfToken },
      {
        onSuccess: () => {
          attempt.current = null;
          setConfirming(null);
          setReason('');
          setDone(action);
          requestFocus('message');
        },
        onError: (error) => {
          if (isReopenWindowClosed(error)) {
            attempt.current = null;
            setConfirming(null);
            setProblem({ kind: 'windowClosed' });
          } else if (isApiError(error, 422) && error.problem.errors.some((e) => e.field === 'reason')) {
            const message = error.problem.errors.find((e) => e.field === 'reason')?.message;
            setReasonError(message);
            requestFocus('reason');
            return;
          } else if (isApiError(error, 422)) {
            // The key was used before for another request: the next attempt gets a new one.
            attempt.current = null;
            setProblem({ kind: 'failed', requestId: error.requestId });
          } else if (isApiError(error, 429)) {
            setProblem({ kind: 'rateLimited', retryAt: error.retryAt });
          } else {
            setProblem({
              kind: 'failed',
              requestId: error instanceof NetworkError || !isApiError(error) ? undefined : error.requestId,
            });
          }
          requestFocus('problem');
        },
      },
    );
  };

  return (
    <section aria-labelledby="case-status-heading" className="card case-status">
      <h2 id="case-status-heading">{item.is_closed ? t('caseStatus.headingClosed') : t('caseStatus.headingOpen')}</h2>

      {done ? (
        <Alert tone="success" ref={messageRef} focusAfterNavigation>
          <p>
            {done === 'close'
              ? item.reopen_until
                ? t('caseStatus.closedUntil', { number: item.case_number })
                : t('caseStatus.closed', { number: item.case_number })
              : t('caseStatus.reopened', { number: item.case_number })}
          </p>
        </Alert>
      ) : null}

      {problem ? (
        <div ref={problemRef} tabIndex={-1} className="case-status__problem">
          <ActionProblemMessage problem={problem} caseNumber={item.case_number} />
        </div>
      ) : null}

      {!item.is_closed ? (
        <p>{t('caseStatus.openHint')}</p>
      ) : available === 'reopen' && item.reopen_until ? (
        <p>
          {t('caseStatus.reopenHint')} <DateTime value={item.reopen_until} variant="inline" />
        </p>
      ) : refused ? null : (
        <p>
          {t('caseStatus.notReopenable')} <Link to="/cases/new">{t('caseStatus.openNewCase')}</Link>
        </p>
      )}

      {available && confirming === null ? (
        <button
          ref={triggerRef}
          type="button"
          className={`button ${available === 'close' ? 'button--secondary' : 'button--primary'}`}
          onClick={() => {
            start(available);
          }}
        >
          {available === 'close' ? t('caseStatus.close') : t('caseStatus.reopen')}
        </button>
      ) : null}

      {confirming ? (
        <div
          role="group"
          aria-labelledby="case-status-confirm-heading"
          className="case-status__confirm"
          aria-busy={pending}
        >
          <h3 id="case-status-confirm-heading" ref={confirmHeadingRef} tabIndex={-1}>
            {confirming === 'close' ? t('caseStatus.confirmClose') : t('caseStatus.confirmReopen')}
          </h3>
          <p>{confirming === 'close' ? t('caseStatus.confirmCloseBody') : t('caseStatus.confirmReopenBody')}</p>
          {confirming === 'close' ? (
            <FormField id="close-reason" label={t('caseStatus.reason')} hint={t('caseStatus.reasonHint')} error={reasonError} optional>
              {(control) => (
                <textarea
                  {...control}
                  ref={reasonRef}
                  name="reason"
                  rows={3}
                  value={reason}
                  onChange={(event) => {
                    setReason(event.target.value);
                  }}
                />
              )}
            </FormField>
          ) : null}
          <div className="form__actions">
            <button type="button" className="button button--primary" onClick={confirm} disabled={pending}>
              {pending
                ? confirming === 'close'
                  ? t('caseStatus.closing')
                  : t('caseStatus.reopening')
                : confirming === 'close'
                  ? t('caseStatus.confirmCloseButton')
                  : t('caseStatus.confirmReopenButton')}
            </button>
            <button type="button" className="button button--secondary" onClick={cancel} disabled={pending}>
              {confirming === 'close' ? t('caseStatus.keepOpen') : t('caseStatus.keepClosed')}
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}

function ActionProblemMessage({ problem, caseNumber }: { problem: ActionProblem; caseNumber: string }) {
  switch (problem.kind) {
    case 'windowClosed':
      return (
        <Alert tone="error" title={t('caseStatus.windowClosedTitle')}>
          <p>{t('caseStatus.windowClosed', { number: caseNumber })}</p>
          <p>
            <Link to="/cases/new" className="button button--primary">
              {t('caseStatus.openNewCaseButton')}
            </Link>
          </p>
        </Alert>
      );
    case 'rateLimited':
      return (
        <Alert tone="error">
          <p>
            {problem.retryAt ? (
              <RetryTime at={problem.retryAt} template="caseStatus.rateLimited" />
            ) : (
              t('caseStatus.rateLimitedUnknown')
            )}
          </p>
        </Alert>
      );
    case 'failed':
      return (
        <Alert tone="error">
          <p>{t('caseStatus.failed')}</p>
          {problem.requestId ? <RequestId id={problem.requestId} /> : null}
        </Alert>
      );
  }
}
