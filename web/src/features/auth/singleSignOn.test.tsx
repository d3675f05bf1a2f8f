import { screen, waitFor } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { mockApi, oidcMethods, problem, requestsTo, server } from '../../test/server';

const SSO_BUTTON = 'Sign in with Salesforce';

function offerSingleSignOn(label = SSO_BUTTON): void {
  mockApi.authMethods = { ...oidcMethods, oidc: { label, login_url: '/auth/oidc/login' } };
}

function ssoLink(name = SSO_BUTTON): HTMLAnchorElement {
  return screen.getByRole<HTMLAnchorElement>('link', { name });
}

describe('single sign-on on the sign-in page', () => {
  it('offers no single sign-on when the portal has none', async () => {
    renderApp('/sign-in');
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Sign in with/ })).not.toBeInTheDocument();
    expect(screen.queryByText('or')).not.toBeInTheDocument();
    expect(requestsTo('GET', /\/auth\/methods$/)).toHaveLength(1);
  });

  it('shows the provider button, with the label from the API, below the password form', async () => {
    offerSingleSignOn('Sign in with Acme ID');
    renderApp('/sign-in');
    const password = await screen.findByRole('button', { name: 'Sign in' });
    const link = ssoLink('Sign in with Acme ID');
    expect(screen.getByText('or')).toBeInTheDocument();
    expect(password.compareDocumentPosition(link) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByLabelText('Email address')).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toBeInTheDocument();
  });

  it('warms the sign-in methods in the loader, so the button is there at first paint', async () => {
    offerSingleSignOn();
    renderApp('/sign-in');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' });
    // Same render as the heading: no second request, no button popping in later.
    expect(ssoLink()).toBeInTheDocument();
    expect(requestsTo('GET', /\/auth\/methods$/)).toHaveLength(1);
  });

  it('leads back to the page the customer asked for', async () => {
    offerSingleSignOn();
    renderApp('/cases?status=open');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' });
    expect(ssoLink().getAttribute('href')).toBe('/auth/oidc/login?return_to=%2Fcases%3Fstatus%3Dopen');
  });

  it('leads to the cases without a page to return to, and never to another site', async () => {
    offerSingleSignOn();
    const first = renderApp('/sign-in');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' });
    expect(ssoLink().getAttribute('href')).toBe('/auth/oidc/login?return_to=%2Fcases');
    first.unmount();

    renderApp('/sign-in?returnTo=//evil.example/x');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' });
    expect(ssoLink().getAttribute('href')).toBe('/auth/oidc/login?return_to=%2Fcases');
  });

  it('keeps a query string the server puts in the login URL', async () => {
    mockApi.authMethods = { password: true, oidc: { label: SSO_BUTTON, login_url: '/auth/oidc/login?prompt=login' } };
    renderApp('/sign-in?returnTo=%2Fdocuments');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' });
    expect(ssoLink().getAttribute('href')).toBe('/auth/oidc/login?prompt=login&return_to=%2Fdocuments');
  });

  it('still lets the customer sign in with a password when the methods cannot be loaded', async () => {
    server.use(http.get('/auth/methods', () => problem(503, 'Unavailable')));
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByLabelText('Email address'), 'alice@acme.example');
    await user.type(screen.getByLabelText('Password'), 'portal-demo');
    expect(screen.queryByRole('link', { name: SSO_BUTTON })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Cases' })).toBeInTheDocument();
  });

  it('keeps the sign-in methods when a customer signs out', async () => {
    offerSingleSignOn();
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByLabelText('Email address'), 'alice@acme.example');
    await user.type(screen.getByLabelText('Password'), 'portal-demo');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { level: 1, name: 'Cases' });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByText('You have signed out.')).toBeInTheDocument();
    expect(ssoLink()).toBeInTheDocument();
    expect(requestsTo('GET', /\/auth\/methods$/)).toHaveLength(1);
  });
});

describe('single sign-on refusals', () => {
  it.each([
    ['provider_error', 'Single sign-on was cancelled or could not be completed.'],
    ['bad_state', 'This sign-in attempt has expired or was already used'],
    ['code_rejected', 'The sign-in service could not confirm your sign-in'],
    ['invalid_token', 'We could not verify your identity with the sign-in service'],
    ['unknown_contact', 'your email address is not linked to a customer account in this portal'],
    ['email_not_verified', 'has not confirmed that this email address is yours'],
    ['too_many_sign_ins', 'Too many sign-ins have been started and not finished'],
    ['unavailable', 'The sign-in service could not be reached.'],
    ['something_new', 'Single sign-on did not work.'],
  ])('explains %s in an alert that takes focus', async (code, message) => {
    offerSingleSignOn();
    renderApp(`/sign-in?sso_error=${code}`);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('We could not sign you in');
    expect(alert).toHaveTextContent(message);
    await waitFor(() => {
      expect(alert).toHaveFocus();
    });
    // Both ways in stay available to try again.
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(ssoLink()).toBeInTheDocument();
  });

  it('shows one specific message per reason', async () => {
    const { en } = await import('../../i18n/messages');
    const messages = Object.entries(en)
      .filter(([key]) => key.startsWith('signIn.sso.') && key !== 'signIn.sso.title')
      .map(([, text]) => text);
    expect(messages).toHaveLength(9);
    expect(new Set(messages).size).toBe(messages.length);
  });

  it('shows no refusal without sso_error', async () => {
    offerSingleSignOn();
    renderApp('/sign-in');
    await screen.findByRole('heading', { level: 1, name: 'Sign in to your account' });
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
