import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { aliceSession, mockApi, problem, requestsTo, server, signIn } from '../../test/server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function fill(user: ReturnType<typeof renderApp>['user'], subject: string, description: string) {
  const subjectField = await screen.findByLabelText('Subject');
  await user.clear(subjectField);
  if (subject) await user.type(subjectField, subject);
  const descriptionField = screen.getByLabelText('Description');
  await user.clear(descriptionField);
  if (description) await user.type(descriptionField, description);
}

describe('new case', () => {
  it('validates before sending, then creates the case and shows its number', async () => {
    signIn();
    const { user, router } = renderApp('/cases/new');
    await user.click(await screen.findByRole('button', { name: 'Submit case' }));
    const summary = await screen.findByRole('alert');
    expect(summary).toHaveTextContent('Enter a subject.');
    expect(summary).toHaveTextContent('Enter a description.');
    await waitFor(() => {
      expect(summary).toHaveFocus();
    });
    expect(requestsTo('POST', /\/cases$/)).toHaveLength(0);

    await fill(user, '  Printer offline  ', 'The printer on floor 2 stopped.');
    expect(screen.getByText('31 of 32,000 characters')).toBeInTheDocument();
    await user.click(screen.getByLabelText('High – work has stopped'));
    await user.click(screen.getByRole('button', { name: 'Submit case' }));

    expect(await screen.findByText(/Your case 00005001 has been created/)).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/cases/500NEW000000000001');
    const [sent] = requestsTo('POST', /\/cases$/);
    expect(sent!.body).toEqual({ subject: 'Printer offline', description: 'The printer on floor 2 stopped.', priority: 'high' });
    expect(sent!.headers.get('X-CSRF-Token')).toBe(aliceSession.csrf_token);
    expect(sent!.headers.get('Idempotency-Key')).toMatch(UUID);
    await waitFor(() => {
      expect(screen.getByText(/Your case 00005001 has been created/).closest('[role="status"]')).toHaveFocus();
    });
  });

  it('shows server validation errors beside their fields and keeps the text', async () => {
    signIn();
    server.use(
      http.post('/customer/:id/cases', () =>
        problem(422, 'Invalid', { errors: [{ field: 'subject', message: 'The subject contains a forbidden word.' }] }),
      ),
    );
    const { user } = renderApp('/cases/new');
    await fill(user, 'Forbidden', 'Some description');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    const subject = screen.getByLabelText('Subject');
    await waitFor(() => {
      expect(subject).toHaveAttribute('aria-invalid', 'true');
    });
    expect(subject).toHaveAccessibleDescription(expect.stringContaining('The subject contains a forbidden word.'));
    expect(subject).toHaveValue('Forbidden');
    expect(screen.getByLabelText('Description')).toHaveValue('Some description');
  });

  it('reuses the Idempotency-Key when the same content is retried, and a new one after an edit', async () => {
    signIn();
    server.use(
      http.post('/customer/:id/cases', ({ request }) => {
        mockApi.requests.push({ method: 'POST', url: new URL(request.url), headers: request.headers, body: undefined });
        return problem(503, 'Salesforce unavailable');
      }),
    );
    const { user } = renderApp('/cases/new');
    await fill(user, 'Retry me', 'Body');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    expect(await screen.findByText(/could not be submitted/)).toBeInTheDocument();
    expect(screen.getByText('req-503-abc')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    await waitFor(() => {
      expect(requestsTo('POST', /\/cases$/)).toHaveLength(2);
    });
    await user.type(screen.getByLabelText('Subject'), ' again');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    await waitFor(() => {
      expect(requestsTo('POST', /\/cases$/)).toHaveLength(3);
    });
    const keys = requestsTo('POST', /\/cases$/).map((r) => r.headers.get('Idempotency-Key'));
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[1]);
  });

  it('sends one request for a double click and disables the button while sending', async () => {
    signIn();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.use(
      http.post('/customer/:id/cases', async ({ request }) => {
        mockApi.requests.push({ method: 'POST', url: new URL(request.url), headers: request.headers, body: undefined });
        await gate;
        return HttpResponse.json({ ...mockApi.cases[0]!, id: '500DOUBLE', case_number: '00009999' }, { status: 201 });
      }),
    );
    const { user } = renderApp('/cases/new');
    await fill(user, 'Double', 'Click');
    const button = screen.getByRole('button', { name: 'Submit case' });
    await user.dblClick(button);
    expect(await screen.findByRole('button', { name: 'Submitting…' })).toBeDisabled();
    release();
    expect(await screen.findByText(/Your case 00009999 has been created/)).toBeInTheDocument();
    expect(requestsTo('POST', /\/cases$/)).toHaveLength(1);
  });

  it('says when the customer may open another case after the rate limit', async () => {
    signIn();
    server.use(http.post('/customer/:id/cases', () => problem(429, 'Too many cases', {}, { 'Retry-After': '1800' })));
    const { user } = renderApp('/cases/new');
    await fill(user, 'Rate', 'Limited');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    expect(await screen.findByText(/You can open another one at .* \(in 3[01] minutes\)\. What you typed is kept\./)).toBeInTheDocument();
    expect(screen.getByLabelText('Subject')).toHaveValue('Rate');
  });

  it('counts characters and flags a description over the limit', async () => {
    signIn();
    const { user } = renderApp('/cases/new');
    const description = await screen.findByLabelText('Description');
    await user.click(description);
    await user.paste('x'.repeat(32_002));
    expect(screen.getByText('2 characters too many')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Subject'), 'Long');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    expect(await screen.findByText('The description must be 32,000 characters or fewer.', { selector: 'a' })).toBeInTheDocument();
    expect(requestsTo('POST', /\/cases$/)).toHaveLength(0);
  });

  it('refuses control characters in the description beside the field, but keeps line breaks and tabs', async () => {
    signIn();
    const { user } = renderApp('/cases/new');
    await user.type(await screen.findByLabelText('Subject'), 'Pasted log');
    const description = screen.getByLabelText('Description');
    await user.click(description);
    await user.paste('line one\n\tindented\u0007 bell');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));

    const message = 'The description cannot contain control characters. Line breaks and tabs are fine.';
    expect(await screen.findByText(message, { selector: 'a' })).toBeInTheDocument();
    expect(description).toHaveAttribute('aria-invalid', 'true');
    // Beside the field, with a prefix from the catalogue that screen readers hear.
    expect(description).toHaveAccessibleDescription(expect.stringContaining(`Error: ${message}`));
    expect(screen.getByLabelText('Subject')).not.toHaveAttribute('aria-invalid');
    expect(requestsTo('POST', /\/cases$/)).toHaveLength(0);

    // Fixing it clears the error, and the line break and tab are sent as typed.
    await user.clear(description);
    await user.paste('line one\n\tindented bell');
    expect(description).not.toHaveAttribute('aria-invalid');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    expect(await screen.findByText(/Your case 00005001 has been created/)).toBeInTheDocument();
    expect(requestsTo('POST', /\/cases$/)[0]!.body).toMatchObject({ description: 'line one\n\tindented bell' });
  });

  it('keeps the draft through an expired session and sign-in', async () => {
    signIn();
    const { user, router } = renderApp('/cases/new');
    await fill(user, 'Keep me', 'Typed before the session ended');
    mockApi.session = null;
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    expect(await screen.findByText('Your session has ended. Sign in again to continue where you were.')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Email address'), 'alice@acme.example');
    await user.type(screen.getByLabelText('Password'), 'portal-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('We restored the case you were writing.')).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/cases/new');
    expect(screen.getByLabelText('Subject')).toHaveValue('Keep me');
    expect(screen.getByLabelText('Description')).toHaveValue('Typed before the session ended');
  });
});
