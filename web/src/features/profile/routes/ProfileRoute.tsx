import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import type { LoaderFunctionArgs } from 'react-router';
import { isApiError } from '../../../api/errors';
import type { Profile, ProfilePatch } from '../../../api/types';
import { Alert } from '../../../components/Alert';
import { FormField } from '../../../components/FormField';
import { PageHeader } from '../../../components/PageHeader';
import { LoadingScreen } from '../../../components/PendingBar';
import { ProblemMessage } from '../../../components/ProblemMessage';
import { chooseLanguage, language as activeLanguage, t } from '../../../i18n';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../../../i18n/languages';
import { requireSession, useSession, withSession } from '../../../session/session';
import { profileQuery, useChangePassword, useUpdateProfile } from '../api/profile';

export function profileLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    await withSession(queryClient, request, () => queryClient.query(profileQuery(session.customer.id)));
    return null;
  };
}

/** The IANA zones this browser knows (the server accepts the same names). */
function timeZones(): string[] {
  return Intl.supportedValuesOf('timeZone');
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The field messages of a 422, by field. */
function fieldErrors(error: unknown): Record<string, string> {
  if (!isApiError(error, 422)) return {};
  return Object.fromEntries(error.problem.errors.map((e) => [e.field, e.message]));
}

/** `/profile`: details, language, time zone, notifications, and the password. */
export function ProfileRoute() {
  const session = useSession();
  const profile = useQuery(profileQuery(session.customer.id));
  return (
    <>
      <PageHeader title={t('profile.title')} intro={t('profile.intro')} />
      {profile.data ? (
        <>
          <ProfileForm profile={profile.data} />
          <PasswordSection profile={profile.data} />
        </>
      ) : profile.isError ? (
        <ProblemMessage
          error={profile.error}
          onRetry={() => {
            void profile.refetch();
          }}
        />
      ) : (
        <LoadingScreen />
      )}
    </>
  );
}

function ProfileForm({ profile }: { profile: Profile }) {
  const session = useSession();
  const update = useUpdateProfile(session.customer.id, session.csrf_token);
  const [phone, setPhone] = useState(profile.phone ?? '');
  const [lang, setLang] = useState<string>(profile.language ?? '');
  const [zone, setZone] = useState(profile.time_zone ?? '');
  const [notifyReply, setNotifyReply] = useState(profile.notify_on_reply);
  const [notifyStatus, setNotifyStatus] = useState(profile.notify_on_status);
  const errors = fieldErrors(update.error);

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const body: ProfilePatch = {
      phone: phone.trim(),
      notify_on_reply: notifyReply,
      notify_on_status: notifyStatus,
    };
    if (isLanguage(lang)) body.language = lang;
    // A name from the browser's list; the server checks it against its own (422 if unknown).
    if (zone !== '') body.time_zone = zone as NonNullable<ProfilePatch['time_zone']>;
    update.mutate(body, {
      onSuccess: (saved) => {
        // The page speaks the profile's language from now on.
        if (saved.language && saved.language !== activeLanguage()) chooseLanguage(saved.language);
      },
    });
  }

  return (
    <form className="form profile-form" noValidate onSubmit={onSubmit} aria-busy={update.isPending}>
      <section className="page-section" aria-labelledby="profile-details">
        <h2 id="profile-details">{t('profile.details')}</h2>
        <dl className="details-list">
          <dt>{t('profile.name')}</dt>
          <dd dir="auto">{profile.name}</dd>
          <dt>{t('profile.email')}</dt>
          <dd dir="auto">{profile.email}</dd>
        </dl>
        <p className="form-field__hint">{t('profile.readOnly')}</p>
        <FormField id="profile-phone" label={t('profile.phone')} hint={t('profile.phoneHint')} error={errors.phone} optional>
          {(control) => (
            <input
              {...control}
              type="tel"
              name="phone"
              autoComplete="tel"
              dir="ltr"
              maxLength={40}
              value={phone}
              onChange={(event) => {
                setPhone(event.target.value);
              }}
            />
          )}
        </FormField>
        <FormField id="profile-language" label={t('profile.language')} error={errors.language}>
          {(control) => (
            <select
              {...control}
              name="language"
              value={lang}
              onChange={(event) => {
                setLang(event.target.value);
              }}
            >
              <option value="">{t('profile.languageNone')}</option>
              {LANGUAGES.map((code) => (
                <option key={code} value={code} lang={code}>
                  {LANGUAGE_NAMES[code]}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="profile-zone" label={t('profile.timeZone')} hint={t('profile.timeZoneHint')} error={errors.time_zone}>
          {(control) => (
            <select
              {...control}
              name="time_zone"
              value={zone}
              onChange={(event) => {
                setZone(event.target.value);
              }}
            >
              <option value="">{t('profile.timeZoneBrowser', { zone: browserZone() })}</option>
              {timeZones().map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </section>
      <fieldset className="form-field checkbox-group">
        <legend>{t('profile.notifications')}</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            name="notify_on_reply"
            checked={notifyReply}
            onChange={(event) => {
              setNotifyReply(event.target.checked);
            }}
          />{' '}
          {t('profile.notifyReply')}
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            name="notify_on_status"
            checked={notifyStatus}
            onChange={(event) => {
              setNotifyStatus(event.target.checked);
            }}
          />{' '}
          {t('profile.notifyStatus')}
        </label>
      </fieldset>
      {update.isSuccess ? <Alert tone="success">{<p>{t('profile.saved')}</p>}</Alert> : null}
      {update.error && !isApiError(update.error, 422) ? <ProblemMessage error={update.error} /> : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={update.isPending}>
          {update.isPending ? t('profile.saving') : t('profile.save')}
        </button>
      </div>
    </form>
  );
}

function PasswordSection({ profile }: { profile: Profile }) {
  const session = useSession();
  const change = useChangePassword(session.csrf_token);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [missing, setMissing] = useState<Record<string, string>>({});
  const errors = { ...fieldErrors(change.error), ...missing };

  if (profile.sign_in !== 'local') {
    return (
      <section className="page-section" aria-labelledby="password-heading">
        <h2 id="password-heading">{t('password.heading')}</h2>
        <p>{t('password.elsewhere')}</p>
      </section>
    );
  }

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const empty: Record<string, string> = {};
    if (current === '') empty.current_password = t('password.required');
    if (next === '') empty.new_password = t('password.required');
    setMissing(empty);
    if (Object.keys(empty).length > 0) return;
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
        },
      },
    );
  }

  return (
    <section className="page-section" aria-labelledby="password-heading">
      <h2 id="password-heading">{t('password.heading')}</h2>
      <form className="form password-form" noValidate onSubmit={onSubmit} aria-busy={change.isPending}>
        <input type="text" name="username" autoComplete="username" value={profile.email ?? ''} readOnly hidden />
        <FormField id="password-current" label={t('password.current')} error={errors.current_password}>
          {(control) => (
            <input
              {...control}
              type="password"
              name="current_password"
              autoComplete="current-password"
              value={current}
              onChange={(event) => {
                setCurrent(event.target.value);
              }}
            />
          )}
        </FormField>
        <FormField id="password-new" label={t('password.new')} hint={t('password.newHint')} error={errors.new_password}>
          {(control) => (
            <input
              {...control}
              type="password"
              name="new_password"
              autoComplete="new-password"
              value={next}
              onChange={(event) => {
                setNext(event.target.value);
              }}
            />
          )}
        </FormField>
        {change.isSuccess ? <Alert tone="success">{<p>{t('password.changed')}</p>}</Alert> : null}
        {change.error && !isApiError(change.error, 422) ? <ProblemMessage error={change.error} /> : null}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={change.isPending}>
            {change.isPending ? t('password.changing') : t('password.change')}
          </button>
        </div>
      </form>
    </section>
  );
}
