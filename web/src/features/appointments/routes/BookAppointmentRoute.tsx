import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams, type LoaderFunctionArgs } from 'react-router';
import { isApiError } from '../../../api/errors';
import { Alert } from '../../../components/Alert';
import { FormField } from '../../../components/FormField';
import { PageHeader } from '../../../components/PageHeader';
import { LoadingScreen } from '../../../components/PendingBar';
import { ProblemMessage, RequestId } from '../../../components/ProblemMessage';
import { t } from '../../../i18n';
import { describeError } from '../../../lib/errorMessage';
import { uuidv4 } from '../../../lib/uuid';
import { profileQuery } from '../../../session/profileLanguage';
import { requireSession, useSession, withSession } from '../../../session/session';
import { isSlotTaken, slotsQuery, topicsQuery, useBook, useReschedule } from '../api/appointments';
import { customerZone, groupByDay, weekWindow } from '../api/week';
import { WeekView } from '../components/WeekView';

export function bookAppointmentLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    await withSession(queryClient, request, () => queryClient.query(topicsQuery(session.customer.id)));
    // The profile's time zone, if it names one (without it, or if it cannot be read: the browser's).
    await queryClient.query(profileQuery(session.customer.id)).catch(() => null);
    return null;
  };
}

const NOTE_MAX = 1000;

/**
 * Booking a slot: the topic, a week of free slots in the customer's zone, an optional note,
 * confirm. With `?reschedule=<id>&topic=<code>` the same page moves an existing booking.
 */
export function BookAppointmentRoute() {
  const session = useSession();
  const customerId = session.customer.id;
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const moving = params.get('reschedule');
  const topics = useQuery(topicsQuery(customerId));
  const firstTopic = topics.data?.topics[0]?.code ?? '';
  const [topic, setTopic] = useState(params.get('topic') ?? firstTopic);
  const [week, setWeek] = useState(0);
  const [chosen, setChosen] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<{ message: string; requestId: string | undefined } | null>(null);
  const failureRef = useRef<HTMLDivElement>(null);
  const key = useRef(uuidv4());
  const book = useBook(customerId);
  const reschedule = useReschedule(customerId);
  const ids = { topic: useId(), note: useId(), slots: useId() };
  const profile = useQuery(profileQuery(customerId));
  const zone = profile.data?.time_zone ?? customerZone();
  const window = useMemo(() => weekWindow(week), [week]);
  const activeTopic = topic || firstTopic;
  const slots = useQuery({ ...slotsQuery(customerId, activeTopic, window.from, window.to), enabled: activeTopic !== '' });
  const days = useMemo(() => groupByDay(slots.data?.slots ?? [], zone), [slots.data, zone]);
  const horizonWeeks = Math.ceil((topics.data?.horizon_days ?? 28) / 7);

  useEffect(() => {
    if (failure) failureRef.current?.focus();
  }, [failure]);

  const title = moving ? t('appointments.rescheduleTitle') : t('appointments.bookTitle');
  const busy = book.isPending || reschedule.isPending;
  const submit = (event: { preventDefault: () => void }) => {
    event.preventDefault();
    if (!chosen) {
      setFailure({ message: t('appointments.chooseSlot'), requestId: undefined });
      return;
    }
    const done = (kind: 'booked' | 'moved') => {
      void navigate(`/appointments?done=${kind}`);
    };
    const failed = (error: unknown) => {
      if (isSlotTaken(error)) {
        setChosen(null);
        setFailure({ message: t('appointments.slotTaken'), requestId: undefined });
        return;
      }
      const described = describeError(error);
      const detail = isApiError(error) && error.status === 409 ? error.problem.detail : undefined;
      setFailure({ message: detail ?? described.message, requestId: described.requestId });
    };
    setFailure(null);
    if (moving) {
      reschedule.mutate(
        { appointmentId: moving, start: chosen, csrfToken: session.csrf_token },
        { onSuccess: () => { done('moved'); }, onError: failed },
      );
    } else {
      book.mutate(
        { topic: activeTopic, start: chosen, note, idempotencyKey: key.current, csrfToken: session.csrf_token },
        { onSuccess: () => { done('booked'); }, onError: failed },
      );
    }
  };

  if (!topics.data) return topics.isError ? <ProblemMessage error={topics.error} /> : <LoadingScreen />;

  return (
    <>
      <PageHeader title={title} intro={t('appointments.bookIntro', { zone })} />
      {failure ? (
        <Alert tone="error" title={t('appointments.failed')} ref={failureRef} focusAfterNavigation>
          <p>{failure.message}</p>
          {failure.requestId ? <RequestId id={failure.requestId} /> : null}
        </Alert>
      ) : null}
      <form className="booking" onSubmit={submit} noValidate>
        {moving ? null : (
          <div className="form-field">
            <label htmlFor={ids.topic} className="form-field__label">
              {t('appointments.topic')}
            </label>
            <select
              id={ids.topic}
              value={activeTopic}
              onChange={(event) => {
                setTopic(event.target.value);
                setChosen(null);
              }}
            >
              {topics.data.topics.map((item) => (
                <option key={item.code} value={item.code}>
                  {item.label}
                </option>
              ))}
            </select>
          </div>
        )}
        <section className="page-section" aria-labelledby={ids.slots}>
          <h2 id={ids.slots}>{t('appointments.freeTimes')}</h2>
          <div className="booking__weeks">
            <button
              type="button"
              className="button button--secondary button--small"
              disabled={week === 0}
              onClick={() => {
                setWeek((w) => w - 1);
                setChosen(null);
              }}
            >
              {t('appointments.previousWeek')}
            </button>
            <button
              type="button"
              className="button button--secondary button--small"
              disabled={week + 1 >= horizonWeeks}
              onClick={() => {
                setWeek((w) => w + 1);
                setChosen(null);
              }}
            >
              {t('appointments.nextWeek')}
            </button>
          </div>
          {slots.data ? (
            <WeekView days={days} chosen={chosen} onChoose={setChosen} name="slot" />
          ) : slots.isError ? (
            <ProblemMessage
              error={slots.error}
              onRetry={() => {
                void slots.refetch();
              }}
            />
          ) : (
            <LoadingScreen />
          )}
        </section>
        {moving ? null : (
          <FormField id={ids.note} label={t('appointments.note')} hint={t('appointments.noteHint')} optional>
            {(control) => (
              <textarea
                {...control}
                rows={3}
                maxLength={NOTE_MAX}
                value={note}
                onChange={(event) => {
                  setNote(event.target.value);
                }}
              />
            )}
          </FormField>
        )}
        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={busy}>
            {moving ? t('appointments.confirmMove') : t('appointments.confirm')}
          </button>
        </div>
      </form>
    </>
  );
}
