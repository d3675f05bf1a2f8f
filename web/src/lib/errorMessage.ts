import { isApiError, NetworkError } from '../api/errors';
import { t } from '../i18n';

export interface ErrorDescription {
  message: string;
  requestId: string | undefined;
}

/** What to tell the customer about an error, without technical detail. */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof NetworkError) return { message: t('errors.network'), requestId: undefined };
  if (isApiError(error)) {
    if (error.status === 403) return { message: t('errors.forbidden'), requestId: error.requestId };
    return { message: t('errors.generic'), requestId: error.requestId };
  }
  return { message: t('errors.generic'), requestId: undefined };
}
