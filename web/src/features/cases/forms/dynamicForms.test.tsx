import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { formHandlers } from '../../../test/formsApi';
import { renderApp } from '../../../test/renderApp';
import { problem, requestsTo, server, signIn } from '../../../test/server';

async function fillPlain(user: ReturnType<typeof renderApp>['user']) {
  await user.type(await screen.findByLabelText('Subject'), 'VPN access');
  await user.type(screen.getByLabelText('Description'), 'For our new colleague.');
}

describe('dynamic case forms', () => {
  it('renders the chosen form, shows a conditional field only when it applies, and sends form and fields', async () => {
    signIn();
    server.use(...formHandlers());
    const { user } = renderApp('/cases/new');
    const picker = await screen.findByLabelText('What is your request about?');
    await fillPlain(user);
    await user.selectOptions(picker, 'Access_Request');
    const system = await screen.findByLabelText('Which system?');
    expect(screen.queryByLabelText(/Phone number for the call/)).not.toBeInTheDocument();

    // Submitting empty: the error summary names the required field, linked to it.
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    const summary = await screen.findByRole('alert');
    expect(summary).toHaveTextContent('Which system? – Choose one of the options.');
    await waitFor(() => {
      expect(summary).toHaveFocus();
    });
    expect(system).toHaveAttribute('aria-invalid', 'true');
    const errorId = system.getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(errorId.split(' ').find((id) => id.endsWith('-error')) ?? '')).toHaveTextContent(
      'Choose one of the options.',
    );
    expect(requestsTo('POST', /\/cases$/)).toHaveLength(0);

    await user.selectOptions(system, 'vpn');
    await user.click(screen.getByLabelText('Call me back'));
    const phone = await screen.findByLabelText('Phone number for the call');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Phone number for the call – This is required.');
    await user.type(phone, 'call me');
    expect(within(screen.getByRole('alert')).getByText(/not in the expected format/)).toBeInTheDocument();
    await user.clear(phone);
    await user.type(phone, '+49 30 1234567');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));

    await waitFor(() => {
      expect(requestsTo('POST', /\/cases$/)).toHaveLength(1);
    });
    const [sent] = requestsTo('POST', /\/cases$/);
    expect(sent!.body).toEqual({
      subject: 'VPN access',
      description: 'For our new colleague.',
      priority: 'medium',
      form: 'Access_Request',
      fields: { System_Name: 'vpn', Callback_Requested: true, Callback_Phone: '+49 30 1234567' },
    });
  });

  it('keeps the chosen form and what was entered in it through a reload of the page', async () => {
    signIn();
    server.use(...formHandlers());
    const first = renderApp('/cases/new');
    await fillPlain(first.user);
    await first.user.selectOptions(await screen.findByLabelText('What is your request about?'), 'Access_Request');
    await first.user.selectOptions(await screen.findByLabelText('Which system?'), 'vpn');
    await first.user.click(screen.getByLabelText('Call me back'));
    await first.user.type(await screen.findByLabelText('Phone number for the call'), '+49 30 1234567');

    // The page goes away (reload, expired session) and comes back in the same tab.
    cleanup();
    renderApp('/cases/new');
    expect(await screen.findByText('We restored the case you were writing.')).toBeInTheDocument();
    expect(await screen.findByLabelText('What is your request about?')).toHaveValue('Access_Request');
    expect(await screen.findByLabelText('Which system?')).toHaveValue('vpn');
    expect(screen.getByLabelText('Call me back')).toBeChecked();
    expect(screen.getByLabelText('Phone number for the call')).toHaveValue('+49 30 1234567');
    expect(screen.getByLabelText('Subject')).toHaveValue('VPN access');
  });

  it('shows the server refusal of a form field beside it', async () => {
    signIn();
    server.use(
      ...formHandlers(),
      http.post('/customer/:id/cases', () =>
        problem(422, 'Invalid', { errors: [{ field: 'fields.Invoice_Number', message: 'No such invoice for your account.' }] }),
      ),
    );
    const { user } = renderApp('/cases/new');
    await user.selectOptions(await screen.findByLabelText('What is your request about?'), 'Billing_Question');
    await fillPlain(user);
    await user.type(await screen.findByLabelText('Invoice number'), 'INV-20240017');
    await user.selectOptions(screen.getByLabelText('Topic'), 'refund');
    await user.click(screen.getByRole('button', { name: 'Submit case' }));
    const invoice = screen.getByLabelText('Invoice number');
    await waitFor(() => {
      expect(invoice).toHaveAttribute('aria-invalid', 'true');
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('No such invoice for your account.');
    expect(invoice).toHaveValue('INV-20240017');
  });

  it('keeps the plain form when the portal has no forms', async () => {
    signIn();
    renderApp('/cases/new');
    await screen.findByLabelText('Subject');
    expect(screen.queryByLabelText('What is your request about?')).not.toBeInTheDocument();
  });
});
