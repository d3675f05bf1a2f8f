import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { dayKey, groupByDay, weekWindow } from './api/week';
import { WeekView } from './components/WeekView';

const slots = [
  { start: '2036-01-08T09:00:00Z', end: '2036-01-08T09:30:00Z' },
  { start: '2036-01-07T23:30:00Z', end: '2036-01-08T00:00:00Z' },
  { start: '2036-01-07T08:00:00Z', end: '2036-01-07T08:30:00Z' },
];

describe('the week of free times', () => {
  it('puts each slot on its day in the customer’s zone, days and times in order', () => {
    const utc = groupByDay(slots, 'UTC', 'en-GB');
    expect(utc.map((d) => d.key)).toEqual(['2036-01-07', '2036-01-08']);
    expect(utc[0]!.slots.map((s) => s.time)).toEqual(['08:00', '23:30']);
    expect(utc[0]!.label).toBe('Monday 7 January');
    // In Berlin (UTC+1) the 23:30 UTC slot is already Tuesday 00:30.
    const berlin = groupByDay(slots, 'Europe/Berlin', 'en-GB');
    expect(berlin.map((d) => d.key)).toEqual(['2036-01-07', '2036-01-08']);
    expect(berlin[0]!.slots.map((s) => s.time)).toEqual(['09:00']);
    expect(berlin[1]!.slots.map((s) => s.time)).toEqual(['00:30', '10:00']);
    // In Los Angeles (UTC-8) the 08:00 UTC slot is still Sunday.
    expect(dayKey(new Date('2036-01-07T08:00:00Z'), 'America/Los_Angeles')).toBe('2036-01-07');
    expect(dayKey(new Date('2036-01-07T07:59:00Z'), 'America/Los_Angeles')).toBe('2036-01-06');
  });

  it('asks for whole weeks from now, on the minute', () => {
    const now = new Date('2036-01-07T10:15:42.123Z');
    expect(weekWindow(0, now)).toEqual({ from: '2036-01-07T10:15:00.000Z', to: '2036-01-14T10:15:00.000Z' });
    expect(weekWindow(2, now).from).toBe('2036-01-21T10:15:00.000Z');
  });

  it('shows one group per day whose radio buttons choose a time', async () => {
    const onChoose = vi.fn();
    const days = groupByDay(slots, 'UTC', 'en-GB');
    const { rerender } = render(<WeekView days={days} chosen={null} onChoose={onChoose} name="slot" />);
    const monday = screen.getByRole('group', { name: 'Monday 7 January' });
    const radios = within(monday).getAllByRole('radio');
    expect(radios).toHaveLength(2);
    await userEvent.click(within(monday).getByRole('radio', { name: '23:30' }));
    expect(onChoose).toHaveBeenCalledWith('2036-01-07T23:30:00Z');
    rerender(<WeekView days={days} chosen="2036-01-07T23:30:00Z" onChoose={onChoose} name="slot" />);
    expect(within(monday).getByRole('radio', { name: '23:30' })).toBeChecked();
    expect(screen.getByRole('group', { name: 'Tuesday 8 January' })).toBeInTheDocument();
  });

  it('says so when the week has no free time', () => {
    render(<WeekView days={[]} chosen={null} onChoose={vi.fn()} name="slot" />);
    expect(screen.getByText('There are no free times this week. Try the next week.')).toBeInTheDocument();
  });
});
