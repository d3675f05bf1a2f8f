import { useMutation } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { Link } from 'react-router';
import { api, call } from '../../../api/client';
import { isApiError } from '../../../api/errors';
import { Alert } from '../../../components/Alert';
import { FormField } from '../../../components/FormField';
import { PageHeader } from '../../../components/PageHeader';
import { ProblemMessage } from '../../../components/ProblemMessage';
import { t } from '../../../i18n';

/** `/forgot-password`: asks for a reset link. The answer is the same for every address. */
export function ForgotPasswordRoute() {
  const [email, setEmail] = useState('');
  const [missing, setMissing] = useState(false);
  const ask = useMutation({
    mutationFn: (address: string) => call(api.POST('/auth/password/forgot', { body: { email: address } })),
  });

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const address = email.trim();
    setMissing(address === '');
    if (address !== '') ask.mutate(address);
  }

  return (
    <div className="sign-in">
      <div className="card sign-in__card">
        <PageHeader title={t('forgot.title')} intro={t('forgot.intro')} />
        {ask.isSuccess ? (
          <Alert tone="success">{<p>{t('forgot.sent')}</p>}</Alert>
        ) : (
          <form className="form" noValidate onSubmit={onSubmit} aria-busy={ask.isPending}>
            {ask.error ? <ProblemMessage error={ask.error} /> : null}
            <FormField id="forgot-email" label={t('forgot.email')} error={missing ? t('signIn.emailRequired') : undefined}>
              {(control) => (
                <input
                  {...control}
                  type="email"
                  name="email"
                  autoComplete="username"
                  inputMode="email"
                  spellCheck={false}
                  value={email}
                  onChange={(event) => {
                    setEmail(event.target.value);
                  }}
                />
              )}
            </FormField>
            <div className="form__actions">
              <button type="submit" className="button button--primary button--wide" disabled={ask.isPending}>
                {ask.isPending ? t('forgot.submitting') : t('forgot.submit')}
              </button>
            </div>
          </form>
        )}
        <p>
          <Link className="standalone-link" to="/sign-in">{t('forgot.backToSignIn')}</Link>
        </p>
      </div>
    </div>
  );
}

/** The token in the link's fragment (`#token=...`): fragments never reach a server's logs. */
function tokenOfFragment(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return fragment.get('token');
}

/** `/reset-password#token=...`: sets a new password with the mailed token. */
export function ResetPasswordRoute() {
  const [token] = useState(tokenOfFragment);
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState(false);
  const reset = useMutation({
    mutationFn: (body: { token: string; new_password: string }) => call(api.POST('/auth/password/reset', { body })),
  });
  const fieldErrors = isApiError(reset.error, 422) ? reset.error.problem.errors : [];
  const tokenError = fieldErrors.find((e) => e.field === 'token')?.message;
  const passwordError = missing ? t('password.required') : fieldErrors.find((e) => e.field === 'new_password')?.message;

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    setMissing(password === '');
    if (password !== '' && token) reset.mutate({ token, new_password: password });
  }

  return (
    <div className="sign-in">
      <div className="card sign-in__card">
        <PageHeader title={t('reset.title')} intro={t('reset.intro')} />
        {!token ? (
          <Alert tone="error">{<p>{t('reset.noToken')}</p>}</Alert>
        ) : reset.isSuccess ? (
          <Alert tone="success">
            <p>{t('reset.done')}</p>
            <p>
              <Link className="standalone-link" to="/sign-in">{t('reset.signIn')}</Link>
            </p>
          </Alert>
        ) : (
          <form className="form" noValidate onSubmit={onSubmit} aria-busy={reset.isPending}>
            {tokenError ? (
              <Alert tone="error">
                <p>{tokenError}</p>
                <p>
                  <Link className="standalone-link" to="/forgot-password">{t('password.forgotLink')}</Link>
                </p>
              </Alert>
            ) : null}
            {reset.error && !isApiError(reset.error, 422) ? <ProblemMessage error={reset.error} /> : null}
            <FormField id="reset-password" label={t('password.new')} hint={t('password.newHint')} error={passwordError}>
              {(control) => (
                <input
                  {...control}
                  type="password"
                  name="new_password"
                  autoComplete="new-password"
                  value={password}
                  onChange={(event) => {
                    setPassword(event.target.value);
                  }}
                />
              )}
            </FormField>
            <div className="form__actions">
              <button type="submit" className="button button--primary button--wide" disabled={reset.isPending}>
                {reset.isPending ? t('reset.submitting') : t('reset.submit')}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
