import { http, HttpResponse } from 'msw';
import type { Appointment } from '../api/types';
import { mockApi, problem } from './server';

/**
 * An in-memory stand-in for the appointment routes (topics, slots, list, book, cancel),
 * installed by the tests that need it with `server.use(...appointmentHandlers())`.
 */
export const appointmentState = {
  /** Free slots' starts (each 30 minutes long). */
  free: [] as string[],
  bookings: [] as Appointment[],
  /** Starts someone else books first: a booking of one answers 409 slot-taken. */
  takenByOthers: [] as string[],
};

const HOUR = 3_600_000;

/** A start `hours` from now, on the whole hour, as the server writes instants. */
export function hoursFromNow(hours: number): string {
  const at = new Date(Date.now() + hours * HOUR);
  at.setUTCMinutes(0, 0, 0);
  return at.toISOString().replace('.000Z', 'Z');
}

function reset(): void {
  appointmentState.free = [hoursFromNow(50), hoursFromNow(51), hoursFromNow(74)];
  appointmentState.bookings = [];
  appointmentState.takenByOthers = [];
}

function record(request: Request, body: unknown): void {
  mockApi.requests.push({ method: request.method, url: new URL(request.url), headers: request.headers, body });
}

function refused(request: Request) {
  if (!mockApi.session) return problem(401, 'Not signed in');
  if (request.headers.get('X-CSRF-Token') !== mockApi.session.csrf_token) return problem(403, 'CSRF');
  return null;
}

const end = (start: string) => new Date(new Date(start).getTime() + 30 * 60_000).toISOString().replace('.000Z', 'Z');

export function appointmentHandlers() {
  reset();
  return [
    // The booking page shows times in the profile's zone (none chosen here: the browser's).
    http.get('/customer/:customerId/profile', () =>
      HttpResponse.json({
        name: 'Alice Anderson',
        email: 'alice@acme.example',
        phone: null,
        language: null,
        time_zone: null,
        notify_on_reply: true,
        notify_on_status: true,
        sign_in: 'local',
      }),
    ),
    http.get('/customer/:customerId/appointments/topics', () =>
      HttpResponse.json({
        time_zone: 'Europe/Berlin',
        slot_minutes: 30,
        cutoff_hours: 24,
        horizon_days: 28,
        topics: [
          { code: 'onboarding', label: 'Onboarding session' },
          { code: 'technical', label: 'Technical consultation' },
        ],
      }),
    ),
    http.get('/customer/:customerId/appointments/slots', ({ request }) => {
      record(request, undefined);
      const topic = new URL(request.url).searchParams.get('topic') ?? '';
      return HttpResponse.json({
        time_zone: 'Europe/Berlin',
        slot_minutes: 30,
        topic: { code: topic, label: topic },
        slots: appointmentState.free.map((start) => ({ start, end: end(start) })),
      });
    }),
    http.get('/customer/:customerId/appointments', ({ request }) => {
      const when = new URL(request.url).searchParams.get('when');
      const now = Date.now();
      const items = appointmentState.bookings.filter((b) => (new Date(b.end).getTime() > now) === (when !== 'past'));
      return HttpResponse.json({ items, next_cursor: null });
    }),
    http.post('/customer/:customerId/appointments', async ({ request }) => {
      const body = (await request.json()) as { topic: string; start: string; note?: string };
      record(request, body);
      const no = refused(request);
      if (no) return no;
      if (appointmentState.takenByOthers.includes(body.start)) {
        appointmentState.free = appointmentState.free.filter((s) => s !== body.start);
        return HttpResponse.json(
          { type: '/problems/slot-taken', title: 'This time is no longer free', status: 409, detail: 'Taken.', fresh_slots: [] },
          { status: 409, headers: { 'Content-Type': 'application/problem+json' } },
        );
      }
      const booked: Appointment = {
        id: `00UBOOK${String(appointmentState.bookings.length).padStart(11, '0')}`,
        topic: { code: body.topic, label: body.topic === 'technical' ? 'Technical consultation' : 'Onboarding session' },
        start: body.start,
        end: end(body.start),
        status: 'booked',
        note: body.note ?? null,
        case_id: null,
        change_until: new Date(new Date(body.start).getTime() - 24 * HOUR).toISOString(),
        sequence: 0,
        created_at: new Date().toISOString(),
      };
      appointmentState.bookings.push(booked);
      appointmentState.free = appointmentState.free.filter((s) => s !== body.start);
      return HttpResponse.json(booked, { status: 201 });
    }),
    http.post('/customer/:customerId/appointments/:id/cancel', ({ request, params }) => {
      record(request, undefined);
      const no = refused(request);
      if (no) return no;
      const booking = appointmentState.bookings.find((b) => b.id === params.id);
      if (!booking) return problem(404, 'Not found');
      booking.status = 'cancelled';
      return HttpResponse.json(booking);
    }),
  ];
}
