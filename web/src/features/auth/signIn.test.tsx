import { screen, waitFor } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { mockApi, problem, requestsTo, server, signIn } from '../../test/server';

describe('sign in', () => {
  it('sends a signed-out visitor to sign-in and back to the page they asked for', async () => {
    const { user, router } = renderApp('/cases?status=open');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' })).toBeInTheDocument();
    expect(router.state.location.search).toBe('?returnTo=%2Fcases%3Fstatus%3Dopen');
    // A first visit had no session, so none has "ended".
    expect(screen.queryByText(/Your session has ended/)).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Email address'), 'alice@acme.example');
    await user.type(screen.getByLabelText('Password'), 'portal-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Cases' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/cases');
    expect(screen.getByRole('radio', { name: 'Open' })).toBeChecked();
    expect(screen.getByText('Acme Corporation')).toBeInTheDocument();
    expect(requestsTo('GET', /\/cases$/).at(-1)?.url.searchParams.get('status')).toBe('open');
  });

  it('checks the fields before sending and focuses the error summary', async () => {
    const { user } = renderApp('/sign-in');
    await user.click(await screen.findByRole('button', { name: 'Sign in' }));
    const summary = await screen.findByRole('alert');
    expect(summary).toHaveTextContent('Enter your email address.');
    expect(summary).toHaveTextContent('Enter your password.');
    await waitFor(() => {
      expect(summary).toHaveFocus();
    });
    expect(screen.getByLabelText('Email address')).toHaveAttribute('aria-invalid', 'true');
    expect(requestsTo('POST', /\/auth\/login$/)).toHaveLength(0);
  });

  it('says when the password is wrong', async () => {
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByLabelText('Email address'), 'alice@acme.example');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('The email address or password is not correct.')).toBeInTheDocument();
    expect(screen.getByLabelText('Email address')).toHaveValue('alice@acme.example');
  });

  it('says when the customer may try again after too many attempts', async () => {
    server.use(http.post('/auth/login', () => problem(429, 'Too many attempts', {}, { 'Retry-After': '600' })));
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByLabelText('Email address'), 'alice@acme.example');
    await user.type(screen.getByLabelText('Password'), 'portal-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/Too many sign-in attempts\. You can try again at .* \(in 1[01] minutes\)\./)).toBeInTheDocument();
  });

  it('never redirects to another site after sign-in', async () => {
    const { user, router } = renderApp('/sign-in?returnTo=//evil.example/x');
    await user.type(await screen.findByLabelText('Email address'), 'alice@acme.example');
    await user.type(screen.getByLabelText('Password'), 'portal-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { level: 1, name: 'Cases' });
    expect(router.state.location.pathname).toBe('/cases');
  });

  it('signs out from the navigation and closes the pages', async () => {
    signIn();
    const { user, router } = renderApp('/documents');
    await screen.findByRole('heading', { level: 1, name: 'Documents' });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('You have signed out.')).toBeInTheDocument();
    expect(requestsTo('POST', /\/auth\/logout$/)[0]?.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
    expect(mockApi.session).toBeNull();
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();

    await router.navigate('/documents');
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' })).toBeInTheDocument();
  });
});
