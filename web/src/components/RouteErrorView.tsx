import { isRouteErrorResponse, Link, useRevalidator, useRouteError } from 'react-router';
import { isApiError } from '../api/errors';
import { t } from '../i18n';
import { describeError } from '../lib/errorMessage';
import { NotFound } from './NotFound';
import { PageHeader } from './PageHeader';
import { RequestId } from './ProblemMessage';

/**
 * What a route shows when its loader or rendering fails: a friendly message, the request id to
 * quote to support, and a way to try again. Never a stack trace.
 */
export function RouteErrorView() {
  const error = useRouteError();
  const revalidator = useRevalidator();
  if ((isRouteErrorResponse(error) && error.status === 404) || isApiError(error, 404)) return <NotFound />;
  const { message, requestId } = describeError(error);
  return (
    <>
      <PageHeader title={t('title.error')} />
      <div className="card">
        <p>{message}</p>
        {requestId ? <RequestId id={requestId} /> : null}
        <div className="form__actions">
          <button
            type="button"
            className="button button--primary"
            onClick={() => {
              void revalidator.revalidate();
            }}
          >
            {t('errors.retry')}
          </button>
          <Link to="/cases" className="button button--link">
            {t('errors.home')}
          </Link>
        </div>
      </div>
    </>
  );
}
