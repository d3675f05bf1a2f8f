import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaseComment } from '../../api/types';
import { renderApp } from '../../test/renderApp';
import { mockApi, requestsTo, signIn } from '../../test/server';
import { validateReply } from './api/comments';

function openCase() {
  const item = mockApi.cases.find((c) => !c.is_closed);
  if (!item) throw new Error('no open case');
  return item;
}

const thread: CaseComment[] = [
  {
    id: '00aTEST00000000001',
    body: 'Could you send a screenshot?',
    author: { kind: 'agent', name: 'Maria' },
    created_at: '2026-10-01T09:00:00Z',
  },
  {
    id: '00aTEST00000000002',
    body: 'Here it is.\nSecond line.',
    author: { kind: 'customer', name: 'Alice Anderson' },
    created_at: '2026-10-01T10:00:00Z',
  },
];

beforeEach(() => {
  localStorage.clear();
});

describe('case conversation', () => {
  it('shows the thread oldest first, agents and the customer told apart', async () => {
    signIn();
    const item = openCase();
    mockApi.comments[item.id] = [...thread];
    renderApp(`/cases/${item.id}`);
    const conversation = await screen.findByRole('region', { name: 'Conversation' });
    const messages = await within(conversation).findAllByRole('article');
    expect(messages.map((m) => m.getAttribute('aria-label'))).toEqual([
      'Maria (support team) wrote',
      'Alice Anderson (your team) wrote',
    ]);
    expect(messages[0]!.closest('li')).toHaveClass('message--agent');
    expect(messages[1]!.closest('li')).toHaveClass('message--customer');
    expect(within(messages[1]!).getByText(/Here it is\./)).toBeInTheDocument();
    expect(messages[0]!.querySelector('time')).toHaveAttribute('datetime', '2026-10-01T09:00:00Z');
    expect(within(conversation).getByText('2 messages')).toBeInTheDocument();
  });

  it('sends a reply with an Idempotency-Key, shows it and clears the draft', async () => {
    signIn();
    const item = openCase();
    const { user } = renderApp(`/cases/${item.id}`);
    const box = await screen.findByLabelText('Your reply');
    await user.type(box, '  Thanks, that worked.  ');
    await user.click(screen.getByRole('button', { name: 'Send reply' }));
    await screen.findByText('Your reply was sent.');
    const sent = requestsTo('POST', /\/comments$/);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual({ body: 'Thanks, that worked.' });
    expect(sent[0]!.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    const conversation = screen.getByRole('region', { name: 'Conversation' });
    await within(conversation).findByText('Thanks, that worked.');
    expect(box).toHaveValue('');
    expect(localStorage.length).toBe(0);
  });

  it('keeps the text on an error and retries with the same key', async () => {
    signIn();
    const item = openCase();
    mockApi.failReplies = 1;
    const { user } = renderApp(`/cases/${item.id}`);
    const box = await screen.findByLabelText('Your reply');
    await user.type(box, 'Please call me back.');
    await user.click(screen.getByRole('button', { name: 'Send reply' }));
    const alert = await screen.findByText('Your reply was not sent. Your text is kept: try again in a moment.');
    expect(alert).toBeInTheDocument();
    expect(box).toHaveValue('Please call me back.');
    await user.click(screen.getByRole('button', { name: 'Send reply' }));
    await screen.findByText('Your reply was sent.');
    const keys = requestsTo('POST', /\/comments$/).map((r) => r.headers.get('Idempotency-Key'));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it('keeps the draft across a reload, per case', async () => {
    signIn();
    const item = openCase();
    const first = renderApp(`/cases/${item.id}`);
    await first.user.type(await screen.findByLabelText('Your reply'), 'Half written');
    first.unmount();
    renderApp(`/cases/${item.id}`);
    expect(await screen.findByLabelText('Your reply')).toHaveValue('Half written');
    expect(screen.getByText('We kept the reply you had not sent yet.')).toBeInTheDocument();
  });

  it('refuses an empty reply without sending, and a closed case has no reply box', async () => {
    signIn();
    const item = openCase();
    const { user } = renderApp(`/cases/${item.id}`);
    await screen.findByLabelText('Your reply');
    await user.click(screen.getByRole('button', { name: 'Send reply' }));
    expect(await screen.findByText('Write a reply before sending.')).toBeInTheDocument();
    await waitFor(() => {
      expect(screen.getByLabelText('Your reply')).toHaveFocus();
    });
    expect(requestsTo('POST', /\/comments$/)).toHaveLength(0);
    expect(validateReply('x'.repeat(3951))?.key).toBe('reply.tooLong');
    expect(validateReply('bell \u0007')?.key).toBe('reply.control');
    expect(validateReply(' ok \n')).toBeUndefined();
  });

  it('says "Awaiting your reply" on the case list', async () => {
    signIn();
    renderApp('/cases');
    const table = await screen.findByRole('table', { name: 'Your cases' });
    const waiting = mockApi.cases.slice(0, 25).filter((c) => c.awaiting === 'customer').length;
    expect(waiting).toBeGreaterThan(0);
    expect(within(table).getAllByText('Awaiting your reply')).toHaveLength(waiting);
  });
});

describe('closed case', () => {
  it('explains why there is no reply box', async () => {
    signIn();
    const closed = mockApi.cases.find((c) => c.is_closed);
    if (!closed) throw new Error('no closed case');
    renderApp(`/cases/${closed.id}`);
    const reply = await screen.findByRole('region', { name: 'Reply' });
    expect(within(reply).getByText(/This case is closed/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Your reply')).not.toBeInTheDocument();
  });
});
