import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { redirect, useNavigate, useSearchParams, type LoaderFunctionArgs } from 'react-router';
import { Alert } from '../../../components/Alert';
import { PageHeader } from '../../../components/PageHeader';
import { t } from '../../../i18n';
import { safeReturnTo } from '../../../lib/returnTo';
import { forgetCustomerData, sessionQuery } from '../../../session/session';
import { SignInForm } from '../components/SignInForm';

export function signInLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    // Ask the server, not the cache: the cookie may have expired or been cleared.
    const session = await queryClient.query({ ...sessionQuery, staleTime: 0 });
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
  const returnTo = safeReturnTo(params.get('returnTo'));

  // Whatever the previous customer saw must not be shown to the next one.
  useEffect(() => {
    forgetCustomerData(queryClient);
  }, [queryClient]);

  return (
    <div className="sign-in">
      <div className="card sign-in__card">
        <PageHeader title={t('signIn.heading')} documentTitle={t('title.signIn')} intro={t('signIn.intro')} />
        {reason === 'signed-out' ? <Alert tone="success">{<p>{t('signIn.signedOut')}</p>}</Alert> : null}
        {reason === 'expired' ? <Alert tone="info">{<p>{t('signIn.sessionExpired')}</p>}</Alert> : null}
        <SignInForm
          onSignedIn={() => {
            void navigate(returnTo, { replace: true });
          }}
        />
      </div>
    </div>
  );
}
