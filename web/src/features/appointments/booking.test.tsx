import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { appointmentHandlers, appointmentState } from '../../test/appointmentsApi';
import { renderApp } from '../../test/renderApp';
import { requestsTo, server, signIn } from '../../test/server';

describe('booking an appointment', () => {
  beforeEach(() => {
    server.use(...appointmentHandlers());
  });

  it('books the chosen time with the CSRF token and an Idempotency-Key, then lists it', async () => {
    signIn();
    const { user } = renderApp('/appointments/book');
    await user.selectOptions(await screen.findByLabelText('Topic'), 'Technical consultation');
    const week = await screen.findByRole('region', { name: 'Free times' });
    const radios = await within(week).findAllByRole('radio');
    expect(radios).toHaveLength(3);
    await user.click(radios[1]!);
    await user.type(screen.getByLabelText(/What would you like to talk about/), 'Gateway reboots');
    await user.click(screen.getByRole('button', { name: 'Book this time' }));
    expect(await screen.findByText('Your appointment is booked.')).toBeInTheDocument();
    const sent = requestsTo('POST', /\/appointments$/);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
    expect(sent[0]!.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[0]!.body).toEqual({ topic: 'technical', start: appointmentState.bookings[0]!.start, note: 'Gateway reboots' });
    const upcoming = screen.getByRole('region', { name: 'Upcoming' });
    const item = await within(upcoming).findByRole('listitem', { name: 'Technical consultation' });
    expect(within(item).getByText('Gateway reboots')).toBeInTheDocument();
    expect(within(item).getByRole('link', { name: /Add to calendar/ })).toHaveAttribute(
      'href',
      `/customer/001TEST000000001AAA/appointments/${appointmentState.bookings[0]!.id}/calendar.ics`,
    );
  });

  it('asks for a time before sending anything', async () => {
    signIn();
    const { user } = renderApp('/appointments/book');
    await screen.findAllByRole('radio');
    await user.click(screen.getByRole('button', { name: 'Book this time' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Choose a free time first.');
    expect(requestsTo('POST', /\/appointments$/)).toHaveLength(0);
  });

  it('says so when someone else was quicker, and offers the times still free', async () => {
    signIn();
    const { user } = renderApp('/appointments/book');
    const radios = await screen.findAllByRole('radio');
    const taken = radios[0]!.getAttribute('value')!;
    appointmentState.takenByOthers = [taken];
    await user.click(radios[0]!);
    await user.click(screen.getByRole('button', { name: 'Book this time' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Someone booked that time a moment ago.');
    await waitFor(() => {
      expect(screen.getAllByRole('radio')).toHaveLength(2);
    });
    expect(screen.getAllByRole('radio').map((r) => r.getAttribute('value'))).not.toContain(taken);
  });

  it('cancels an upcoming appointment', async () => {
    signIn();
    const { user } = renderApp('/appointments/book');
    await user.click((await screen.findAllByRole('radio'))[2]!);
    await user.click(screen.getByRole('button', { name: 'Book this time' }));
    await screen.findByText('Your appointment is booked.');
    const booked = await screen.findByRole('listitem', { name: /Onboarding session/ });
    await user.click(within(booked).getByRole('button', { name: 'Cancel appointment Onboarding session' }));
    expect(await screen.findByText('Your appointment is cancelled.')).toBeInTheDocument();
    const item = await screen.findByRole('listitem', { name: /Onboarding session/ });
    await waitFor(() => {
      expect(item).toHaveTextContent('(cancelled)');
    });
    expect(within(item).queryByRole('button', { name: /Cancel appointment/ })).not.toBeInTheDocument();
  });
});
