import { useQuery } from '@tanstack/react-query';
import { useId, useRef, useState, type SubmitEvent } from 'react';
import { Alert } from '../../../components/Alert';
import { DateTime } from '../../../components/DateTime';
import { t } from '../../../i18n';
import { formatBytes } from '../../../lib/format';
import { uuidv4 } from '../../../lib/uuid';
import { useSession } from '../../../session/session';
import {
  ACCEPT_ATTRIBUTE,
  attachmentDownloadHref,
  attachmentsQuery,
  checkFile,
  uploadErrorKey,
  useUploadAttachment,
  type FileIssue,
} from '../api/attachments';

interface CaseAttachmentsProps {
  caseId: string;
}

/** A case's files: the list with downloads, and an upload with progress. */
export function CaseAttachments({ caseId }: CaseAttachmentsProps) {
  const session = useSession();
  const customerId = session.customer.id;
  const list = useQuery(attachmentsQuery(customerId, caseId));
  const upload = useUploadAttachment(customerId, caseId);
  const inputId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  // One key per chosen file: a retry of the same file can never store it twice.
  const [key, setKey] = useState('');
  const [issue, setIssue] = useState<FileIssue | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [uploaded, setUploaded] = useState<string | null>(null);

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setKey(uuidv4());
    setUploaded(null);
    setIssue(chosen ? (checkFile(chosen) ?? null) : null);
  };

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file) {
      setIssue({ key: 'attachments.chooseFirst' });
      input.current?.focus();
      return;
    }
    const problem = checkFile(file);
    if (problem) {
      setIssue(problem);
      input.current?.focus();
      return;
    }
    setIssue(null);
    setProgress(0);
    upload.mutate(
      {
        file,
        idempotencyKey: key,
        csrfToken: session.csrf_token,
        onProgress: ({ loaded, total }) => {
          setProgress(total > 0 ? Math.round((loaded / total) * 100) : null);
        },
      },
      {
        onSuccess: (stored) => {
          setUploaded(stored.file_name);
          setFile(null);
          if (input.current) input.current.value = '';
        },
        onSettled: () => {
          setProgress(null);
        },
      },
    );
  };

  const items = list.data?.data.items ?? [];
  const failure = upload.isError ? uploadErrorKey(upload.error) : null;
  return (
    <section aria-labelledby="case-attachments-heading" className="card case-attachments">
      <h2 id="case-attachments-heading">{t('attachments.heading')}</h2>
      {list.isError ? (
        <Alert tone="error">
          <p>{t('attachments.loadFailed')}</p>
        </Alert>
      ) : list.isPending ? (
        <p>{t('app.loading')}</p>
      ) : items.length === 0 ? (
        <p>{t('attachments.empty.list')}</p>
      ) : (
        <ul className="attachment-list" aria-label={t('attachments.listLabel')}>
          {items.map((item) => (
            <li key={item.id} className="attachment-list__item">
              <a
                href={attachmentDownloadHref(customerId, caseId, item.id)}
                aria-label={t('attachments.downloadLabel', { name: item.file_name, size: formatBytes(item.size) })}
                className="attachment-list__name"
              >
                {item.file_name}
              </a>
              <span className="attachment-list__meta">
                <span>{formatBytes(item.size)}</span>
                <span>{item.uploaded_by.kind === 'customer' ? t('attachments.byCustomer') : t('attachments.byAgent')}</span>
                <DateTime value={item.created_at} variant="inline" />
              </span>
            </li>
          ))}
        </ul>
      )}

      <form className="attachment-upload" onSubmit={submit} noValidate>
        <label htmlFor={inputId}>{t('attachments.chooseLabel')}</label>
        <p id={hintId} className="form-field__hint">
          {t('attachments.hint', { max: '25 MB' })}
        </p>
        <input
          ref={input}
          id={inputId}
          type="file"
          accept={ACCEPT_ATTRIBUTE}
          aria-describedby={hintId}
          aria-invalid={issue ? true : undefined}
          disabled={upload.isPending}
          onChange={(event) => {
            choose(event.currentTarget.files?.[0] ?? null);
          }}
        />
        <button type="submit" className="button button--primary" disabled={upload.isPending}>
          {upload.isPending ? t('attachments.uploading') : t('attachments.upload')}
        </button>
        {progress !== null ? (
          <progress
            className="attachment-upload__progress"
            max={100}
            value={progress}
            aria-label={t('attachments.progressLabel')}
            aria-valuetext={t('attachments.progressValue', { percent: String(progress) })}
          />
        ) : null}
      </form>
      {issue ? (
        <Alert tone="error">
          <p>{t(issue.key, issue.vars)}</p>
        </Alert>
      ) : null}
      {failure && !issue ? (
        <Alert tone="error">
          <p>{t(failure)}</p>
        </Alert>
      ) : null}
      {uploaded ? (
        <Alert tone="success">
          <p>{t('attachments.uploaded', { name: uploaded })}</p>
        </Alert>
      ) : null}
    </section>
  );
}
