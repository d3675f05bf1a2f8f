import { t } from '../i18n';
import { describeError } from '../lib/errorMessage';
import { Alert } from './Alert';

interface ProblemMessageProps {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}

/** A friendly error with the request id support needs, and optionally a retry button. */
export function ProblemMessage({ error, title, onRetry }: ProblemMessageProps) {
  const { message, requestId } = describeError(error);
  return (
    <Alert tone="error" title={title ?? t('errors.loadFailed')}>
      <p>{message}</p>
      {requestId ? <RequestId id={requestId} /> : null}
      {onRetry ? (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          {t('errors.retry')}
        </button>
      ) : null}
    </Alert>
  );
}

export function RequestId({ id }: { id: string }) {
  return (
    <p className="request-id">
      <span>{t('errors.requestIdLabel')}</span> 
      <code>{id}</code>
      <span className="request-id__help">{t('errors.requestIdHelp')}</span>
    </p>
  );
}
