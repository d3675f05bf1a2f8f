import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, call, callWithResponse } from '../../../api/client';
import { isApiError } from '../../../api/errors';
import type { Appointment, AppointmentTopics, SlotList } from '../../../api/types';

export type When = 'upcoming' | 'past';

export const appointmentKeys = {
  all: (customerId: string) => ['appointments', customerId] as const,
  topics: (customerId: string) => [...appointmentKeys.all(customerId), 'topics'] as const,
  slots: (customerId: string, topic: string, from: string, to: string) =>
    [...appointmentKeys.all(customerId), 'slots', topic, from, to] as const,
  list: (customerId: string, when: When) => [...appointmentKeys.all(customerId), 'list', when] as const,
};

/** A list is read whole (a customer has few bookings), following the server's cursors. */
const PAGE = 100;

export function topicsQuery(customerId: string) {
  return queryOptions({
    queryKey: appointmentKeys.topics(customerId),
    queryFn: ({ signal }): Promise<AppointmentTopics> =>
      call(api.GET('/customer/{customer_id}/appointments/topics', { params: { path: { customer_id: customerId } }, signal })),
    staleTime: 5 * 60_000,
  });
}

/** The free slots of `topic` starting in [from, to) (UTC instants, RFC 3339). */
export function slotsQuery(customerId: string, topic: string, from: string, to: string) {
  return queryOptions({
    queryKey: appointmentKeys.slots(customerId, topic, from, to),
    queryFn: ({ signal }): Promise<SlotList> =>
      call(
        api.GET('/customer/{customer_id}/appointments/slots', {
          params: { path: { customer_id: customerId }, query: { topic, from, to } },
          signal,
        }),
      ),
  });
}

export function appointmentsQuery(customerId: string, when: When) {
  return queryOptions({
    queryKey: appointmentKeys.list(customerId, when),
    queryFn: async ({ signal }): Promise<Appointment[]> => {
      const items: Appointment[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(
          api.GET('/customer/{customer_id}/appointments', {
            params: {
              path: { customer_id: customerId },
              query: cursor === undefined ? { when, limit: PAGE } : { when, limit: PAGE, cursor },
            },
            signal,
          }),
        );
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
      return items;
    },
  });
}

/** 409 `/problems/slot-taken`: someone else was quicker; the slots are read again. */
export function isSlotTaken(error: unknown): boolean {
  return isApiError(error, 409) && error.problem.type === '/problems/slot-taken';
}

/** 409 `/problems/appointment-cutoff`: too close to the start to change here. */
export function isPastCutoff(error: unknown): boolean {
  return isApiError(error, 409) && error.problem.type === '/problems/appointment-cutoff';
}

export interface BookVariables {
  topic: string;
  start: string;
  note: string;
  idempotencyKey: string;
  csrfToken: string;
}

export interface MoveVariables {
  appointmentId: string;
  start: string;
  csrfToken: string;
}

function useRefresh(customerId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: appointmentKeys.all(customerId) });
}

/** Books a slot; the Idempotency-Key makes a retry of the same confirmation safe. */
export function useBook(customerId: string) {
  const refresh = useRefresh(customerId);
  return useMutation({
    mutationFn: async ({ topic, start, note, idempotencyKey, csrfToken }: BookVariables): Promise<Appointment> => {
      const body = note.trim() === '' ? { topic, start } : { topic, start, note };
      const { data } = await callWithResponse(
        api.POST('/customer/{customer_id}/appointments', {
          params: {
            path: { customer_id: customerId },
            header: { 'X-CSRF-Token': csrfToken, 'Idempotency-Key': idempotencyKey },
          },
          body,
        }),
      );
      return data;
    },
    onSettled: refresh,
  });
}

/** Moves a booking to another slot (all or nothing). */
export function useReschedule(customerId: string) {
  const refresh = useRefresh(customerId);
  return useMutation({
    mutationFn: ({ appointmentId, start, csrfToken }: MoveVariables): Promise<Appointment> =>
      call(
        api.POST('/customer/{customer_id}/appointments/{appointment_id}/reschedule', {
          params: {
            path: { customer_id: customerId, appointment_id: appointmentId },
            header: { 'X-CSRF-Token': csrfToken },
          },
          body: { start },
        }),
      ),
    onSettled: refresh,
  });
}

export function useCancel(customerId: string) {
  const refresh = useRefresh(customerId);
  return useMutation({
    mutationFn: ({ appointmentId, csrfToken }: { appointmentId: string; csrfToken: string }): Promise<Appointment> =>
      call(
        api.POST('/customer/{customer_id}/appointments/{appointment_id}/cancel', {
          params: {
            path: { customer_id: customerId, appointment_id: appointmentId },
            header: { 'X-CSRF-Token': csrfToken },
          },
        }),
      ),
    onSettled: refresh,
  });
}

/** Where a booking's .ics file is downloaded from (same origin, the session cookie goes along). */
export function calendarUrl(customerId: string, appointmentId: string): string {
  return `/customer/${encodeURIComponent(customerId)}/appointments/${encodeURIComponent(appointmentId)}/calendar.ics`;
}
