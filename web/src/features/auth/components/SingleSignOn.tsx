import { useEffect, useRef } from 'react';
import { Alert } from '../../../components/Alert';
import { t, type MessageKey } from '../../../i18n';
import { oidcLoginHref, type SsoError } from '../api/methods';

interface SingleSignOnProps {
  /** The button's text, from `/auth/methods`. */
  label: string;
  loginUrl: string;
  /** The page to come back to after signing in. */
  returnTo: string;
}

/**
 * The way in through the company's identity provider: a plain link (the server redirects to the
 * provider and back), below the password form and set apart from it by "or".
 */
export function SingleSignOn({ label, loginUrl, returnTo }: SingleSignOnProps) {
  return (
    <div className="sso">
      {/* Read as text, so that screen readers hear "… Sign in, or, Sign in with Salesforce". */}
      <p className="sso__divider">
        <span>{t('signIn.or')}</span>
      </p>
      <a className="button button--secondary button--wide" href={oidcLoginHref(loginUrl, returnTo)}>
        {label}
      </a>
    </div>
  );
}

const SSO_MESSAGES: Record<SsoError, MessageKey> = {
  provider_error: 'signIn.sso.provider_error',
  bad_state: 'signIn.sso.bad_state',
  code_rejected: 'signIn.sso.code_rejected',
  invalid_token: 'signIn.sso.invalid_token',
  unknown_contact: 'signIn.sso.unknown_contact',
  email_not_verified: 'signIn.sso.email_not_verified',
  too_many_sign_ins: 'signIn.sso.too_many_sign_ins',
  unavailable: 'signIn.sso.unavailable',
  unknown: 'signIn.sso.unknown',
};

/** Why the server refused a single sign-on (`?sso_error=`); takes focus so that it is read first. */
export function SsoErrorAlert({ error }: { error: SsoError }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [error]);
  return (
    <Alert ref={ref} tone="error" title={t('signIn.sso.title')} focusAfterNavigation>
      <p>{t(SSO_MESSAGES[error])}</p>
    </Alert>
  );
}
