import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Case } from '../../api/types';
import { renderApp } from '../../test/renderApp';
import { aliceSession, mockApi, problem, requestsTo, server, signIn } from '../../test/server';
import { canReopen, validateCloseReason } from './api/caseStatus';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY = 86_400_000;

/** The server's close and reopen, over the mock API's cases. */
function statusHandlers() {
  const change = (id: string, close: boolean): Case | undefined => {
    const found = mockApi.cases.find((c) => c.id === id);
    if (!found) return undefined;
    const now = new Date();
    Object.assign(found, {
      status: close ? 'closed' : 'new',
      is_closed: close,
      closed_at: close ? now.toISOString() : null,
      reopen_until: close ? new Date(now.getTime() + 14 * DAY).toISOString() : null,
      updated_at: now.toISOString(),
    });
    return found;
  };
  server.use(
    http.post('/customer/:customerId/cases/:caseId/close', async ({ request, params }) => {
      mockApi.requests.push({ method: 'POST', url: new URL(request.url), headers: request.headers, body: await request.json() });
      const updated = change(String(params.caseId), true);
      return updated ? HttpResponse.json(updated) : problem(404, 'Not found');
    }),
    http.post('/customer/:customerId/cases/:caseId/reopen', ({ request, params }) => {
      mockApi.requests.push({ method: 'POST', url: new URL(request.url), headers: request.headers, body: undefined });
      const updated = change(String(params.caseId), false);
      return updated ? HttpResponse.json(updated) : problem(404, 'Not found');
    }),
  );
}

function openCase(): Case {
  const found = mockApi.cases.find((c) => !c.is_closed);
  if (!found) throw new Error('no open case');
  return found;
}

function closedCase(reopenUntil: string | null): Case {
  const found = mockApi.cases.find((c) => c.is_closed);
  if (!found) throw new Error('no closed case');
  found.reopen_until = reopenUntil;
  return found;
}

describe('close and reopen a case', () => {
  it('closes with a reason after a confirmation, then offers to reopen', async () => {
    signIn();
    statusHandlers();
    const item = openCase();
    const { user } = renderApp(`/cases/${item.id}`);
    await user.click(await screen.findByRole('button', { name: 'Close case' }));
    const confirm = screen.getByRole('group', { name: 'Close this case?' });
    await waitFor(() => {
      expect(within(confirm).getByRole('heading', { name: 'Close this case?' })).toHaveFocus();
    });
    await user.type(within(confirm).getByLabelText(/Reason for closing/), '  The update fixed it.  ');
    await user.click(within(confirm).getByRole('button', { name: 'Yes, close case' }));

    const done = await screen.findByText(`Case ${item.case_number} is closed. You can reopen it for a while if the problem comes back.`);
    await waitFor(() => {
      expect(done.closest('[role="status"]')).toHaveFocus();
    });
    const [sent] = requestsTo('POST', /\/close$/);
    expect(sent!.body).toEqual({ reason: 'The update fixed it.' });
    expect(sent!.headers.get('X-CSRF-Token')).toBe(aliceSession.csrf_token);
    expect(sent!.headers.get('Idempotency-Key')).toMatch(UUID);
    expect(screen.getByRole('heading', { name: 'This case is closed' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Close case' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Reopen case' }));
    await user.click(screen.getByRole('button', { name: 'Yes, reopen case' }));
    expect(await screen.findByText(`Case ${item.case_number} is open again. Our team will pick it up.`)).toBeInTheDocument();
    expect(requestsTo('POST', /\/reopen$/)).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Close case' })).toBeInTheDocument();
  });

  it('closes without a reason with an empty body, and Escape cancels the confirmation', async () => {
    signIn();
    statusHandlers();
    const item = openCase();
    const { user } = renderApp(`/cases/${item.id}`);
    const trigger = await screen.findByRole('button', { name: 'Close case' });
    await user.click(trigger);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Close this case?' })).not.toBeInTheDocument();
    await waitFor(() => {
      expect(screen.getByRole('button', { name: 'Close case' })).toHaveFocus();
    });
    expect(requestsTo('POST', /\/close$/)).toHaveLength(0);

    await user.keyboard('{Enter}');
    await user.click(screen.getByRole('button', { name: 'Yes, close case' }));
    await screen.findByText(`Case ${item.case_number} is closed. You can reopen it for a while if the problem comes back.`);
    expect(requestsTo('POST', /\/close$/)[0]!.body).toEqual({});
  });

  it('checks the reason before sending and keeps it when the server fails', async () => {
    signIn();
    const item = openCase();
    server.use(http.post('/customer/:customerId/cases/:caseId/close', () => problem(503, 'Unavailable')));
    const { user } = renderApp(`/cases/${item.id}`);
    await user.click(await screen.findByRole('button', { name: 'Close case' }));
    const reason = screen.getByLabelText(/Reason for closing/);
    await user.type(reason, 'bell\u0007');
    await user.click(screen.getByRole('button', { name: 'Yes, close case' }));
    expect(await screen.findByText(/The reason cannot contain control characters/)).toBeInTheDocument();
    expect(reason).toHaveAttribute('aria-invalid', 'true');

    await user.clear(reason);
    await user.type(reason, 'Solved');
    await user.click(screen.getByRole('button', { name: 'Yes, close case' }));
    const failed = await screen.findByText('The case could not be changed. What you typed is kept; please try again.');
    expect(failed).toBeInTheDocument();
    expect(screen.getByText('req-503-abc')).toBeInTheDocument();
    expect(screen.getByLabelText(/Reason for closing/)).toHaveValue('Solved');
  });

  it('says clearly when a case was closed too long ago, with a link to open a new one', async () => {
    signIn();
    const item = closedCase(new Date(Date.now() + DAY).toISOString());
    server.use(
      http.post('/customer/:customerId/cases/:caseId/reopen', () =>
        problem(409, 'This case can no longer be reopened', {
          type: '/problems/reopen-window-closed',
          new_case: `/customer/${aliceSession.customer.id}/cases`,
        }),
      ),
    );
    const { user } = renderApp(`/cases/${item.id}`);
    await user.click(await screen.findByRole('button', { name: 'Reopen case' }));
    await user.click(screen.getByRole('button', { name: 'Yes, reopen case' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This case can no longer be reopened');
    expect(alert).toHaveTextContent(`Case ${item.case_number} was closed too long ago to reopen.`);
    expect(within(alert).getByRole('link', { name: 'Open a new case' })).toHaveAttribute('href', '/cases/new');
    await waitFor(() => {
      expect(alert.parentElement).toHaveFocus();
    });
    expect(screen.queryByRole('button', { name: 'Reopen case' })).not.toBeInTheDocument();
  });

  it('offers no reopen once the window has passed', async () => {
    signIn();
    const item = closedCase(new Date(Date.now() - DAY).toISOString());
    renderApp(`/cases/${item.id}`);
    expect(await screen.findByText(/This case can no longer be reopened. If you still need help,/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'open a new case' })).toHaveAttribute('href', '/cases/new');
    expect(screen.queryByRole('button', { name: 'Reopen case' })).not.toBeInTheDocument();
  });
});

describe('close reason and reopen rules', () => {
  it('mirrors the server', () => {
    expect(validateCloseReason('')).toBeUndefined();
    expect(validateCloseReason(` ${'é'.repeat(1000)} `)).toBeUndefined();
    expect(validateCloseReason('é'.repeat(1001))).toEqual({ key: 'caseStatus.reasonTooLong', vars: { max: 1000 } });
    expect(validateCloseReason('line\nbreak\ttab')).toBeUndefined();
    expect(validateCloseReason('nul\u0000')).toEqual({ key: 'caseStatus.reasonControl' });
    const now = Date.parse('2026-03-10T00:00:00Z');
    expect(canReopen({ is_closed: true, reopen_until: '2026-03-10T00:00:00Z' }, now)).toBe(true);
    expect(canReopen({ is_closed: true, reopen_until: '2026-03-09T23:59:59Z' }, now)).toBe(false);
    expect(canReopen({ is_closed: true, reopen_until: null }, now)).toBe(false);
    expect(canReopen({ is_closed: false, reopen_until: null }, now)).toBe(false);
  });
});
