import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, redirect, useNavigate, useSearchParams, type LoaderFunctionArgs } from 'react-router';
import { Alert } from '../../../components/Alert';
import { PageHeader } from '../../../components/PageHeader';
import { t } from '../../../i18n';
import { safeReturnTo } from '../../../lib/returnTo';
import { forgetCustomerData, sessionQuery } from '../../../session/session';
import { authMethodsQuery, ssoErrorOf } from '../api/methods';
import { SignInForm } from '../components/SignInForm';
import { SingleSignOn, SsoErrorAlert } from '../components/SingleSignOn';

export function signInLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    const [session] = await Promise.all([
      // Ask the server, not the cache: the cookie may have expired or been cleared.
      queryClient.query({ ...sessionQuery, staleTime: 0 }),
      // Warm the sign-in methods so that the single sign-on button is there at first paint.
      // A failure is not fatal: the password form still works, and the page asks again.
      queryClient.query(authMethodsQuery).catch(() => null),
    ]);
    if (session) {
      throw redirect(safeReturnTo(new URL(request.url).searchParams.get('returnTo')));
    }
    return null;
  };
}

export function SignInRoute() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const reason = params.get('reason');
  const ssoError = ssoErrorOf(params.get('sso_error'));
  const returnTo = safeReturnTo(params.get('returnTo'));
  const { data: methods } = useQuery(authMethodsQuery);
  const oidc = methods?.oidc;

  // Whatever the previous customer saw must not be shown to the next one.
  useEffect(() => {
    forgetCustomerData(queryClient);
  }, [queryClient]);

  return (
    <div className="sign-in">
      <div className="card sign-in__card">
        <PageHeader title={t('signIn.heading')} documentTitle={t('title.signIn')} intro={t('signIn.intro')} />
        {ssoError ? <SsoErrorAlert error={ssoError} /> : null}
        {reason === 'signed-out' ? <Alert tone="success">{<p>{t('signIn.signedOut')}</p>}</Alert> : null}
        {reason === 'expired' ? <Alert tone="info">{<p>{t('signIn.sessionExpired')}</p>}</Alert> : null}
        <SignInForm
          onSignedIn={() => {
            void navigate(returnTo, { replace: true });
          }}
        />
        <p className="sign-in__forgot">
          <Link className="standalone-link" to="/forgot-password">{t('password.forgotLink')}</Link>
        </p>
        {oidc ? <SingleSignOn label={oidc.label} loginUrl={oidc.login_url} returnTo={returnTo} /> : null}
      </div>
    </div>
  );
}
