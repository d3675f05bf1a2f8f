import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '../../test/renderApp';
import { CUSTOMER_ID, mockApi, requestsTo, signIn } from '../../test/server';
import { checkFile, MAX_ATTACHMENT_BYTES } from './api/attachments';

function pdf(name: string, text = '%PDF-1.7\n'): File {
  return new File([text], name, { type: 'application/pdf' });
}

describe('case attachments', () => {
  it('checks size and type before sending, as the server would', () => {
    expect(checkFile({ name: 'a.pdf', size: 10 })).toBeUndefined();
    expect(checkFile({ name: 'Scan.JPEG', size: 10 })).toBeUndefined();
    expect(checkFile({ name: 'a.pdf', size: 0 })?.key).toBe('attachments.empty');
    expect(checkFile({ name: 'a.pdf', size: MAX_ATTACHMENT_BYTES + 1 })).toEqual({
      key: 'attachments.tooLarge',
      vars: { max: '25 MB' },
    });
    expect(checkFile({ name: 'setup.exe', size: 10 })?.key).toBe('attachments.wrongType');
    expect(checkFile({ name: 'no-extension', size: 10 })?.key).toBe('attachments.wrongType');
  });

  it('lists the files with download links, uploads one and shows it', async () => {
    signIn();
    const caseId = mockApi.cases[0]!.id;
    mockApi.attachments[caseId] = [
      {
        id: '069ATT000000000099',
        file_name: 'reply.pdf',
        content_type: 'application/pdf',
        size: 2048,
        created_at: '2026-10-30T12:00:00Z',
        uploaded_by: { kind: 'agent' },
      },
    ];
    const { user } = renderApp(`/cases/${caseId}`);
    const section = await screen.findByRole('region', { name: 'Attachments' }, { timeout: 5000 });
    const link = await within(section).findByRole('link', { name: /^Download reply\.pdf \(2/ });
    expect(link).toHaveAttribute('href', `/customer/${CUSTOMER_ID}/cases/${caseId}/attachments/069ATT000000000099/download`);
    expect(within(section).getByText(/added by support/)).toBeInTheDocument();

    await user.upload(within(section).getByLabelText('Attach a file'), pdf('invoice.pdf'));
    await user.click(within(section).getByRole('button', { name: 'Upload file' }));
    // (jsdom's XMLHttpRequest sends the part without its file name; the server names it.)
    expect(await within(section).findByText(/was attached to the case\.$/)).toBeInTheDocument();
    await waitFor(() => {
      expect(within(section).getAllByRole('link', { name: /^Download / })).toHaveLength(2);
    });
    const sent = requestsTo('POST', /\/attachments$/);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
    expect(sent[0]!.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((sent[0]!.body as FormData).get('file') as File).size).toBe(9);
  });

  it('explains a file refused before or by the server, and sends nothing it knows is refused', async () => {
    signIn();
    const caseId = mockApi.cases[0]!.id;
    const { user } = renderApp(`/cases/${caseId}`);
    const section = await screen.findByRole('region', { name: 'Attachments' }, { timeout: 5000 });
    await within(section).findByText('No files are attached to this case yet.');
    const input = within(section).getByLabelText('Attach a file');

    await user.click(within(section).getByRole('button', { name: 'Upload file' }));
    expect(within(section).getByRole('alert')).toHaveTextContent('Choose a file to upload first.');

    // Named like a PDF, but an executable's bytes: only the server can tell.
    await user.upload(input, pdf('scan.pdf', 'MZ\x90\x00'));
    await user.click(within(section).getByRole('button', { name: 'Upload file' }));
    await waitFor(() => {
      expect(within(section).getByRole('alert')).toHaveTextContent('The file’s content is not of a type the portal takes');
    });
    expect(within(section).queryByRole('link', { name: /^Download / })).not.toBeInTheDocument();
    expect(requestsTo('POST', /\/attachments$/)).toHaveLength(1);

    // The file picker offers only accepted types, but a file can still be forced in.
    fireEvent.change(input, { target: { files: [new File(['MZ'], 'setup.exe')] } });
    expect(within(section).getByRole('alert')).toHaveTextContent('This type of file cannot be attached.');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    await user.click(within(section).getByRole('button', { name: 'Upload file' }));
    expect(requestsTo('POST', /\/attachments$/)).toHaveLength(1);
  });
});
