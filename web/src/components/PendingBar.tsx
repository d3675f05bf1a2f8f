import { t } from '../i18n';

/**
 * A thin progress bar for page transitions. CSS delays its appearance, so fast navigations
 * never flash it.
 */
export function PendingBar({ active }: { active: boolean }) {
  if (!active) return null;
  return (
    <div className="pending-bar" role="progressbar" aria-label={t('app.pageLoading')}>
      <div className="pending-bar__fill" />
    </div>
  );
}

/** A full-area loading indicator for the first load; also delayed by CSS. */
export function LoadingScreen() {
  return (
    <div className="loading-screen" role="status">
      <span className="spinner" aria-hidden="true" />
      <span className="loading-screen__text">{t('app.loading')}</span>
    </div>
  );
}
