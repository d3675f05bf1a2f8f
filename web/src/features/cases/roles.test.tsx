import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { aliceSession, mockApi, requestsTo, signIn } from '../../test/server';

// Roles (decision 031): only a manager is offered "My cases / My company's cases".
describe('case list scope', () => {
  it('lets a manager switch between the company’s cases and their own, kept in the URL', async () => {
    signIn();
    const { user, router } = renderApp('/cases');
    await screen.findByRole('table', { name: 'Your cases' });
    const group = screen.getByRole('group', { name: 'Whose cases' });
    expect(group).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'My company’s cases' })).toBeChecked();
    expect(requestsTo('GET', /\/cases$/).at(-1)!.url.searchParams.has('scope')).toBe(false);

    await user.click(screen.getByRole('radio', { name: 'My cases' }));
    await waitFor(() => {
      expect(router.state.location.search).toBe('?scope=mine');
    });
    await waitFor(() => {
      expect(requestsTo('GET', /\/cases$/).at(-1)!.url.searchParams.get('scope')).toBe('mine');
    });

    await user.click(screen.getByRole('radio', { name: 'My company’s cases' }));
    await waitFor(() => {
      expect(router.state.location.search).toBe('');
    });
  });

  it('offers a member no switch: their list is their own and shared cases', async () => {
    signIn();
    mockApi.session = { ...aliceSession, user: { ...aliceSession.user, role: 'member' } };
    renderApp('/cases?scope=mine');
    await screen.findByRole('table', { name: 'Your cases' });
    expect(screen.queryByRole('group', { name: 'Whose cases' })).not.toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'My cases' })).not.toBeInTheDocument();
  });
});
