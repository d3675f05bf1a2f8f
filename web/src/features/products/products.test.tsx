import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { catalog, productHandlers, productState } from '../../test/productsApi';
import { requestsTo, server, signIn } from '../../test/server';
import { formatDay } from './api/format';

describe('my products', () => {
  beforeEach(() => {
    server.use(...productHandlers());
  });

  it('lists what the account owns, with a dash for what an asset does not say', async () => {
    signIn();
    renderApp('/products');
    const table = await screen.findByRole('table', { name: 'Products your organisation owns' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    const gateway = rows[1]!;
    expect(within(gateway).getByRole('rowheader', { name: 'Gateway 100 - Plant A' })).toBeInTheDocument();
    expect(within(gateway).getByText('Gateway 100')).toBeInTheDocument();
    expect(within(gateway).getByText('GW-100')).toBeInTheDocument();
    expect(within(gateway).getByText('GW1-00417')).toBeInTheDocument();
    expect(within(gateway).getByText(formatDay('2025-02-11'))).toBeInTheDocument();
    expect(within(gateway).getByText('Installed')).toBeInTheDocument();
    expect(within(rows[2]!).getAllByText('—')).toHaveLength(3);
    expect(screen.getByRole('link', { name: 'My products' })).toHaveAttribute('aria-current', 'page');
  });

  it('shows each recommendation with its reasons', async () => {
    signIn();
    renderApp('/products');
    const card = await screen.findByRole('listitem', { name: 'Cloud Monitoring Pro' });
    expect(within(card).getByText('You own Gateway 100. Monitor your fleet from one place.')).toBeInTheDocument();
    expect(within(card).getByText('2 customers with products like yours also use it.')).toBeInTheDocument();
    expect(screen.getByRole('listitem', { name: 'Vibration Sensor Pack' })).toBeInTheDocument();
  });

  it('registers interest with the CSRF token and an Idempotency-Key, and says so', async () => {
    signIn();
    const { user } = renderApp('/products');
    await user.click(await screen.findByRole('button', { name: 'I’m interested in Cloud Monitoring Pro' }));
    const done = await screen.findByText('Thank you. Your account team will contact you about Cloud Monitoring Pro.');
    await waitFor(() => {
      expect(done.closest('[role="status"]')).toHaveFocus();
    });
    const sent = requestsTo('POST', /\/interest$/);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
    expect(sent[0]!.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    const card = screen.getByRole('listitem', { name: 'Cloud Monitoring Pro' });
    expect(await within(card).findByText('You asked us to contact you')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: /I’m interested in/ })).not.toBeInTheDocument();
  });

  it('retries a failed interest with the same Idempotency-Key', async () => {
    signIn();
    productState.failInterest = 1;
    const { user } = renderApp('/products');
    const button = await screen.findByRole('button', { name: 'I’m interested in Cloud Monitoring Pro' });
    await user.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent('That did not work');
    await user.click(screen.getByRole('button', { name: 'I’m interested in Cloud Monitoring Pro' }));
    await screen.findByText('Thank you. Your account team will contact you about Cloud Monitoring Pro.');
    const keys = requestsTo('POST', /\/interest$/).map((r) => r.headers.get('Idempotency-Key'));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it('hides a recommendation and shows it again', async () => {
    signIn();
    const { user } = renderApp('/products');
    await screen.findByRole('listitem', { name: 'Vibration Sensor Pack' });
    await user.click(await screen.findByRole('button', { name: 'Not for me: Vibration Sensor Pack' }));
    expect(await screen.findByText('We will not suggest Vibration Sensor Pack again. You can show it again below.')).toBeInTheDocument();
    await waitFor(() => {
      expect(screen.queryByRole('listitem', { name: 'Vibration Sensor Pack' })).not.toBeInTheDocument();
    });
    const hidden = screen.getByRole('region', { name: 'Suggestions you hid' });
    await user.click(within(hidden).getByRole('button', { name: 'Show again: Vibration Sensor Pack' }));
    expect(await screen.findByText('Vibration Sensor Pack is back in your recommendations.')).toBeInTheDocument();
    expect(await screen.findByRole('listitem', { name: 'Vibration Sensor Pack' })).toBeInTheDocument();
    expect(requestsTo('DELETE', /\/dismiss$/)).toHaveLength(1);
    expect(productState.dismissed).toEqual([]);
    expect(catalog.sensors.name).toBe('Vibration Sensor Pack');
  });
});
