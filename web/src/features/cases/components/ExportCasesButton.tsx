import { useRef, useState } from 'react';
import { t } from '../../../i18n';
import { uuidv4 } from '../../../lib/uuid';
import { isSettled, useExportStatus, useStartExport } from '../api/exports';

interface ExportCasesButtonProps {
  customerId: string;
  csrfToken: string;
}

/**
 * "Export all cases": starts an export, shows its progress (a `<progress>` and a polite live
 * region) and, when it is ready, the link to the CSV file. The link is short-lived and works
 * only in this browser session; a new click starts a new export.
 */
export function ExportCasesButton({ customerId, csrfToken }: ExportCasesButtonProps) {
  const start = useStartExport(customerId);
  const [exportId, setExportId] = useState<string | undefined>();
  // One Idempotency-Key per click; a retry of the same request reuses it.
  const key = useRef<string | null>(null);
  const status = useExportStatus(customerId, exportId);
  const item = status.data ?? start.data;

  const begin = () => {
    key.current = uuidv4();
    setExportId(undefined);
    start.mutate(
      { idempotencyKey: key.current, csrfToken },
      {
        onSuccess: (started) => {
          setExportId(started.id);
        },
      },
    );
  };

  // A failed poll ends the wait too: the customer may start again.
  const busy = start.isPending || (item !== undefined && !isSettled(item) && !status.isError);
  let message = '';
  if (start.isPending) message = t('exports.starting');
  else if (start.isError || status.isError) message = t('exports.startFailed');
  else if (item?.state === 'queued') message = t('exports.queued');
  else if (item?.state === 'running') message = t('exports.running', { count: item.records });
  else if (item?.state === 'complete') message = t('exports.complete', { count: item.records });
  else if (item?.state === 'failed') message = t('exports.failed');

  return (
    <div className="case-export">
      <button type="button" className="button" onClick={begin} disabled={busy} aria-describedby="case-export-status">
        {t('exports.button')}
      </button>
      {busy && (
        // Indeterminate: Salesforce does not say how many cases there are until it is done.
        <progress className="case-export__progress" aria-label={t('exports.progressLabel')} />
      )}
      <p id="case-export-status" className="case-export__status" aria-live="polite" aria-atomic="true">
        {message}
      </p>
      {item?.state === 'complete' && item.download_url && (
        <a className="button button--primary" href={item.download_url} download="cases.csv">
          {t('exports.download')}
        </a>
      )}
    </div>
  );
}
