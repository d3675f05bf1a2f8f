import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import { isApiError } from '../../../api/errors';
import { Alert } from '../../../components/Alert';
import { ErrorSummary, type SummaryItem } from '../../../components/ErrorSummary';
import { FormField } from '../../../components/FormField';
import { RequestId } from '../../../components/ProblemMessage';
import { RetryTime } from '../../../components/RetryTime';
import { t } from '../../../i18n';
import { describeError } from '../../../lib/errorMessage';
import { EMAIL_PATTERN, useLogin } from '../api/auth';

interface SignInFormProps {
  onSignedIn: () => void;
}

type Field = 'email' | 'password';
const FIELD_IDS: Record<Field, string> = { email: 'sign-in-email', password: 'sign-in-password' };

export function SignInForm({ onSignedIn }: SignInFormProps) {
  const loginMutation = useLogin();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [focusSummary, setFocusSummary] = useState(0);
  const summaryRef = useRef<HTMLDivElement>(null);
  const problemRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (focusSummary === 0) return;
    (summaryRef.current ?? problemRef.current)?.focus();
  }, [focusSummary]);

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (loginMutation.isPending) return;
    const next: Partial<Record<Field, string>> = {};
    const trimmedEmail = email.trim();
    if (trimmedEmail === '') next.email = t('signIn.emailRequired');
    else if (!EMAIL_PATTERN.test(trimmedEmail)) next.email = t('signIn.emailInvalid');
    if (password === '') next.password = t('signIn.passwordRequired');
    setErrors(next);
    if (Object.keys(next).length > 0) {
      loginMutation.reset();
      setFocusSummary((n) => n + 1);
      return;
    }
    loginMutation.mutate(
      { email: trimmedEmail, password },
      {
        onSuccess: onSignedIn,
        onError: () => {
          setPassword('');
          setFocusSummary((n) => n + 1);
        },
      },
    );
  }

  const summaryItems: SummaryItem[] = (Object.keys(FIELD_IDS) as Field[]).flatMap((field) => {
    const message = errors[field];
    return message ? [{ fieldId: FIELD_IDS[field], message }] : [];
  });
  const error = loginMutation.error;

  return (
    <form className="form sign-in-form" noValidate onSubmit={onSubmit} aria-busy={loginMutation.isPending}>
      {summaryItems.length > 0 ? <ErrorSummary ref={summaryRef} items={summaryItems} /> : null}
      {error ? (
        <div ref={problemRef} tabIndex={-1} className="form__problem">
          <SignInProblem error={error} />
        </div>
      ) : null}
      <FormField id={FIELD_IDS.email} label={t('signIn.email')} error={errors.email}>
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
      <FormField id={FIELD_IDS.password} label={t('signIn.password')} error={errors.password}>
        {(control) => (
          <input
            {...control}
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => {
              setPassword(event.target.value);
            }}
          />
        )}
      </FormField>
      <div className="form__actions">
        <button type="submit" className="button button--primary button--wide" disabled={loginMutation.isPending}>
          {loginMutation.isPending ? t('signIn.submitting') : t('signIn.submit')}
        </button>
      </div>
    </form>
  );
}

function SignInProblem({ error }: { error: Error }) {
  if (isApiError(error, 401)) {
    return <Alert tone="error">{<p>{t('signIn.invalidCredentials')}</p>}</Alert>;
  }
  if (isApiError(error, 429)) {
    return (
      <Alert tone="warning">
        <p>
          {error.retryAt ? (
            <RetryTime at={error.retryAt} template="signIn.tooManyAttempts" />
          ) : (
            t('signIn.tooManyAttempts', { when: '' })
          )}
        </p>
      </Alert>
    );
  }
  const { message, requestId } = describeError(error);
  return (
    <Alert tone="error">
      <p>{message}</p>
      {requestId ? <RequestId id={requestId} /> : null}
    </Alert>
  );
}
