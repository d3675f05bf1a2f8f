import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import { isApiError, NetworkError } from '../../../api/errors';
import { Alert } from '../../../components/Alert';
import { FormField } from '../../../components/FormField';
import { RequestId } from '../../../components/ProblemMessage';
import { RetryTime } from '../../../components/RetryTime';
import { t } from '../../../i18n';
import { charCount, trimWhiteSpace } from '../../../lib/text';
import { uuidv4 } from '../../../lib/uuid';
import { isCaseClosed, isInFlight, REPLY_MAX, toReplyBody, useReply, validateReply } from '../api/comments';
import { clearReplyDraft, loadReplyDraft, saveReplyDraft, type ReplyDraft } from './replyDraft';

interface ReplyBoxProps {
  customerId: string;
  caseId: string;
  csrfToken: string;
}

type ReplyProblem =
  | { kind: 'closed' }
  | { kind: 'rateLimited'; retryAt: Date | undefined }
  | { kind: 'inFlight' }
  | { kind: 'conflict'; requestId: string | undefined }
  | { kind: 'failed'; requestId: string | undefined };

const FIELD_ID = 'reply-body';

/**
 * The customer's reply on a case. What they type is kept (per case) until it is sent, across
 * reloads and failed sends; a send reuses the Idempotency-Key of an earlier attempt with the
 * same text, so a retry never posts the reply twice.
 */
export function ReplyBox({ customerId, caseId, csrfToken }: ReplyBoxProps) {
  const reply = useReply(customerId, caseId);
  const [restored] = useState(() => loadReplyDraft(customerId, caseId));
  const [draft, setDraft] = useState<ReplyDraft>(() => restored ?? { body: '' });
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [problem, setProblem] = useState<ReplyProblem | null>(null);
  const [sent, setSent] = useState(false);
  const sending = useRef(false);
  const problemRef = useRef<HTMLDivElement>(null);
  const fieldRef = useRef<HTMLTextAreaElement>(null);
  const [focusRequest, setFocusRequest] = useState<{ target: 'problem' | 'field'; seq: number } | null>(null);

  useEffect(() => {
    saveReplyDraft(customerId, caseId, draft);
  }, [customerId, caseId, draft]);

  useEffect(() => {
    if (focusRequest?.target === 'problem') problemRef.current?.focus();
    if (focusRequest?.target === 'field') fieldRef.current?.focus();
  }, [focusRequest]);

  function requestFocus(target: 'problem' | 'field') {
    setFocusRequest((current) => ({ target, seq: (current?.seq ?? 0) + 1 }));
  }

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending.current) return;
    setProblem(null);
    setSent(false);
    const issue = validateReply(draft.body);
    setFieldError(issue ? t(issue.key, issue.vars) : undefined);
    if (issue) {
      requestFocus('field');
      return;
    }
    const body = toReplyBody(draft.body);
    const attempt = draft.attempt?.body === body.body ? draft.attempt : { key: uuidv4(), body: body.body };
    const withAttempt = { ...draft, attempt };
    setDraft(withAttempt);
    // Saved before the request leaves: a reload while it is on its way retries with this key.
    saveReplyDraft(customerId, caseId, withAttempt);

    sending.current = true;
    reply.mutate(
      { body, idempotencyKey: attempt.key, csrfToken },
      {
        onSuccess: () => {
          clearReplyDraft(customerId, caseId);
          setDraft({ body: '' });
          setSent(true);
        },
        onError: (error) => {
          if (isApiError(error, 401)) return; // The app sends the customer to sign-in; the draft is saved.
          if (isApiError(error, 422) && error.problem.errors.length > 0) {
            const bodyError = error.problem.errors.find((e) => e.field === 'body');
            if (bodyError) {
              setFieldError(bodyError.message);
              requestFocus('field');
              return;
            }
            setProblem({ kind: 'failed', requestId: error.requestId });
          } else if (isApiError(error, 422)) {
            // The key was used before with other text: the next send starts a fresh attempt.
            setDraft((current) => ({ body: current.body }));
            setProblem({ kind: 'conflict', requestId: error.requestId });
          } else if (isCaseClosed(error)) {
            setProblem({ kind: 'closed' });
          } else if (isInFlight(error)) {
            setProblem({ kind: 'inFlight' });
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
        onSettled: () => {
          sending.current = false;
        },
      },
    );
  }

  const count = charCount(trimWhiteSpace(draft.body));
  const pending = reply.isPending;
  return (
    <form className="form reply-box" noValidate onSubmit={onSubmit} aria-busy={pending}>
      {restored && !sent ? <Alert tone="info">{t('reply.draftRestored')}</Alert> : null}
      {sent ? (
        <Alert tone="success">
          <p>{t('reply.sent')}</p>
        </Alert>
      ) : null}
      {problem ? (
        <div ref={problemRef} tabIndex={-1} className="form__problem">
          <ReplyProblemAlert problem={problem} />
        </div>
      ) : null}
      <FormField
        id={FIELD_ID}
        label={t('reply.label')}
        hint={t('reply.hint')}
        error={fieldError}
        footerId="reply-counter"
        footer={
          <p id="reply-counter" className={`counter${count > REPLY_MAX ? ' counter--over' : ''}`}>
            {t('reply.counter', { count, max: REPLY_MAX })}
          </p>
        }
      >
        {(control) => (
          <textarea
            dir="auto"
            {...control}
            ref={fieldRef}
            name="body"
            rows={5}
            spellCheck
            value={draft.body}
            onChange={(event) => {
              const body = event.target.value;
              setDraft((current) => ({ ...current, body }));
              if (fieldError) {
                const issue = validateReply(body);
                setFieldError(issue ? t(issue.key, issue.vars) : undefined);
              }
            }}
          />
        )}
      </FormField>
      <div className="form__actions">
        <button type="submit" className="button" disabled={pending}>
          {pending ? t('reply.sending') : t('reply.send')}
        </button>
      </div>
    </form>
  );
}

function ReplyProblemAlert({ problem }: { problem: ReplyProblem }) {
  switch (problem.kind) {
    case 'closed':
      return (
        <Alert tone="error" title={t('reply.closedTitle')}>
          <p>{t('reply.closed')}</p>
        </Alert>
      );
    case 'rateLimited':
      return (
        <Alert tone="warning" title={t('reply.failedTitle')}>
          <p>{problem.retryAt ? <RetryTime at={problem.retryAt} template="reply.rateLimited" /> : t('reply.rateLimitedUnknown')}</p>
        </Alert>
      );
    case 'inFlight':
      return (
        <Alert tone="error" title={t('reply.failedTitle')}>
          <p>{t('reply.inFlight')}</p>
        </Alert>
      );
    case 'conflict':
      return (
        <Alert tone="error" title={t('reply.failedTitle')}>
          <p>{t('reply.conflict')}</p>
          {problem.requestId ? <RequestId id={problem.requestId} /> : null}
        </Alert>
      );
    case 'failed':
      return (
        <Alert tone="error" title={t('reply.failedTitle')}>
          <p>{t('reply.failed')}</p>
          {problem.requestId ? <RequestId id={problem.requestId} /> : null}
        </Alert>
      );
  }
}
