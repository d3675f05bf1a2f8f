import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams, type LoaderFunctionArgs } from 'react-router';
import type { Appointment } from '../../../api/types';
import { isApiError } from '../../../api/errors';
import { Alert } from '../../../components/Alert';
import { DateTime } from '../../../components/DateTime';
import { EmptyState } from '../../../components/EmptyState';
import { PageHeader } from '../../../components/PageHeader';
import { LoadingScreen } from '../../../components/PendingBar';
import { ProblemMessage, RequestId } from '../../../components/ProblemMessage';
import { t } from '../../../i18n';
import { describeError } from '../../../lib/errorMessage';
import { requireSession, useSession, withSession } from '../../../session/session';
import { appointmentsQuery, calendarUrl, useCancel, type When } from '../api/appointments';

export function appointmentsLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    await withSession(queryClient, request, () => queryClient.query(appointmentsQuery(session.customer.id, 'upcoming')));
    return null;
  };
}

type Outcome = { kind: 'cancelled' } | { kind: 'failed'; message: string; requestId: string | undefined };

/** The customer's bookings: upcoming ones with cancel, move and the .ics file; past ones. */
export function AppointmentsRoute() {
  const session = useSession();
  const customerId = session.customer.id;
  const [params] = useSearchParams();
  const done = params.get('done');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const cancel = useCancel(customerId);
  // When the page was opened: what "less than a day away" is measured from.
  const [openedAt] = useState(() => Date.now());

  const onCancel = (appointment: Appointment) => {
    setOutcome(null);
    cancel.mutate(
      { appointmentId: appointment.id, csrfToken: session.csrf_token },
      {
        onSuccess: () => {
          setOutcome({ kind: 'cancelled' });
        },
        onError: (error) => {
          const described = describeError(error);
          const detail = isApiError(error) && error.status === 409 ? error.problem.detail : undefined;
          setOutcome({ kind: 'failed', message: detail ?? described.message, requestId: described.requestId });
        },
      },
    );
  };

  return (
    <>
      <PageHeader
        title={t('appointments.title')}
        intro={t('appointments.intro')}
        actions={
          <Link to="/appointments/book" className="button button--primary">
            {t('appointments.book')}
          </Link>
        }
      />
      {done === 'booked' || done === 'moved' ? (
        <Alert tone="success" focusAfterNavigation>
          <p>{t(done === 'booked' ? 'appointments.outcome.booked' : 'appointments.outcome.moved')}</p>
        </Alert>
      ) : null}
      {outcome ? (
        outcome.kind === 'failed' ? (
          <Alert tone="error" title={t('appointments.failed')} focusAfterNavigation>
            <p>{outcome.message}</p>
            {outcome.requestId ? <RequestId id={outcome.requestId} /> : null}
          </Alert>
        ) : (
          <Alert tone="success" focusAfterNavigation>
            <p>{t('appointments.outcome.cancelled')}</p>
          </Alert>
        )
      ) : null}
      <AppointmentSection
        when="upcoming"
        customerId={customerId}
        busy={cancel.isPending}
        now={openedAt}
        onCancel={onCancel}
      />
      <AppointmentSection when="past" customerId={customerId} busy={false} now={openedAt} onCancel={onCancel} />
    </>
  );
}

interface SectionProps {
  when: When;
  customerId: string;
  busy: boolean;
  now: number;
  onCancel: (appointment: Appointment) => void;
}

function AppointmentSection({ when, customerId, busy, now, onCancel }: SectionProps) {
  const list = useQuery(appointmentsQuery(customerId, when));
  const headingId = `appointments-${when}`;
  return (
    <section className="page-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{t(when === 'upcoming' ? 'appointments.upcoming' : 'appointments.past')}</h2>
      {list.data ? (
        list.data.length === 0 ? (
          <EmptyState>
            <p>{t(when === 'upcoming' ? 'appointments.emptyUpcoming' : 'appointments.emptyPast')}</p>
          </EmptyState>
        ) : (
          <ul className="appointments">
            {list.data.map((appointment) => (
              <AppointmentItem
                key={appointment.id}
                appointment={appointment}
                customerId={customerId}
                changeable={when === 'upcoming'}
                busy={busy}
                now={now}
                onCancel={onCancel}
              />
            ))}
          </ul>
        )
      ) : list.isError ? (
        <ProblemMessage
          error={list.error}
          onRetry={() => {
            void list.refetch();
          }}
        />
      ) : (
        <LoadingScreen />
      )}
    </section>
  );
}

interface ItemProps {
  appointment: Appointment;
  customerId: string;
  changeable: boolean;
  busy: boolean;
  now: number;
  onCancel: (appointment: Appointment) => void;
}

function AppointmentItem({ appointment, customerId, changeable, busy, now, onCancel }: ItemProps) {
  const headingId = `appointment-${appointment.id}`;
  const cancelled = appointment.status === 'cancelled';
  const canChange = changeable && !cancelled && new Date(appointment.change_until).getTime() > now;
  return (
    <li className="appointment" aria-labelledby={headingId}>
      <h3 id={headingId} className="appointment__topic">
        {appointment.topic.label}
        {cancelled ? <span className="appointment__status"> {t('appointments.cancelledTag')}</span> : null}
      </h3>
      <p>
        <DateTime value={appointment.start} variant="inline" />
      </p>
      {appointment.note ? <p className="appointment__note">{appointment.note}</p> : null}
      <div className="appointment__actions">
        <a
          className="button button--secondary button--small"
          href={calendarUrl(customerId, appointment.id)}
          download
          aria-label={t('appointments.addToCalendarLabel', { topic: appointment.topic.label })}
        >
          {t('appointments.addToCalendar')}
        </a>
        {canChange ? (
          <>
            <Link
              className="button button--secondary button--small"
              to={`/appointments/book?reschedule=${encodeURIComponent(appointment.id)}&topic=${encodeURIComponent(appointment.topic.code)}`}
              aria-label={t('appointments.rescheduleLabel', { topic: appointment.topic.label })}
            >
              {t('appointments.reschedule')}
            </Link>
            <button
              type="button"
              className="button button--secondary button--small"
              disabled={busy}
              aria-label={t('appointments.cancelLabel', { topic: appointment.topic.label })}
              onClick={() => {
                onCancel(appointment);
              }}
            >
              {t('appointments.cancel')}
            </button>
          </>
        ) : changeable && !cancelled ? (
          <p className="appointment__locked">{t('appointments.locked')}</p>
        ) : null}
      </div>
    </li>
  );
}
