import { RouteErrorView } from '../components/RouteErrorView';
import { t } from '../i18n';

/** Used when even the shell could not load (for example the API is unreachable). */
export function RootErrorPage() {
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipLink')}
      </a>
      <header className="site-header">
        <div className="site-header__inner">
          <a className="brand" href="/">
            {t('app.name')}
          </a>
        </div>
      </header>
      <main id="main" className="site-main" tabIndex={-1}>
        <RouteErrorView />
      </main>
    </>
  );
}
