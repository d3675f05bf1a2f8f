import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Form, Link, Outlet, useLocation, useNavigation } from 'react-router';
import type { Session } from '../api/types';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { PendingBar } from '../components/PendingBar';
import { t } from '../i18n';
import { sessionQuery } from '../session/session';
import { ThemeSwitch } from '../theme/ThemeSwitch';

const PUBLIC_PATHS = new Set(['/sign-in', '/sign-out']);

export function RootLayout() {
  const location = useLocation();
  const navigation = useNavigation();
  const { data: session } = useQuery(sessionQuery);
  const onPublicPage = PUBLIC_PATHS.has(location.pathname);
  const mainRef = useRef<HTMLElement>(null);

  useFocusOnNavigation(location.pathname, mainRef);

  const busy = navigation.state !== 'idle';
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipLink')}
      </a>
      <header className="site-header">
        <div className="site-header__inner">
          <Link className="brand" to={session ? '/cases' : '/sign-in'}>
            <span className="brand__mark" aria-hidden="true" />
            {t('app.name')}
          </Link>
          {session && !onPublicPage ? <SiteNav session={session} pathname={location.pathname} /> : null}
        </div>
      </header>
      <PendingBar active={busy} />
      <main id="main" ref={mainRef} className="site-main" tabIndex={-1} aria-busy={busy}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="site-footer__inner">
          <p>{t('app.footer')}</p>
          <div className="site-footer__settings">
            <LanguageSwitch />
            <ThemeSwitch />
          </div>
        </div>
      </footer>
    </>
  );
}

function SiteNav({ session, pathname }: { session: Session; pathname: string }) {
  const navigation = useNavigation();
  const signingOut = navigation.state !== 'idle' && navigation.formAction === '/sign-out';
  const inCases = pathname === '/cases' || (pathname.startsWith('/cases/') && pathname !== '/cases/new');
  return (
    <>
      <nav className="site-nav" aria-label={t('nav.label')}>
        <ul>
          <li>
            <Link to="/documents" aria-current={pathname === '/documents' ? 'page' : undefined}>
              {t('nav.documents')}
            </Link>
          </li>
          <li>
            <Link to="/products" aria-current={pathname === '/products' ? 'page' : undefined}>
              {t('nav.products')}
            </Link>
          </li>
          <li>
            <Link to="/appointments" aria-current={pathname.startsWith('/appointments') ? 'page' : undefined}>
              {t('nav.appointments')}
            </Link>
          </li>
          <li>
            <Link to="/cases" aria-current={inCases ? 'page' : undefined}>
              {t('nav.cases')}
            </Link>
          </li>
          <li>
            <Link to="/profile" aria-current={pathname === '/profile' ? 'page' : undefined}>
              {t('nav.profile')}
            </Link>
          </li>
          <li>
            <Link
              to="/cases/new"
              className="site-nav__new-case"
              aria-current={pathname === '/cases/new' ? 'page' : undefined}
            >
              <span aria-hidden="true">{t('nav.newCaseIcon')} </span>
              {t('nav.newCase')}
            </Link>
          </li>
        </ul>
      </nav>
      <div className="account">
        <p className="account__names">
          <span className="account__customer">{session.customer.name}</span>
          <span className="account__user">{t('nav.signedInAs', { name: session.user.name })}</span>
        </p>
        <Form method="post" action="/sign-out" className="account__sign-out">
          <button type="submit" className="button button--secondary button--small" disabled={signingOut}>
            {signingOut ? t('nav.signingOut') : t('nav.signOut')}
          </button>
        </Form>
      </div>
    </>
  );
}

/**
 * After a client-side navigation, move focus to the new page's heading (or to an element that
 * asked for it, such as a success message) so that screen readers announce the new page.
 */
function useFocusOnNavigation(pathname: string, mainRef: React.RefObject<HTMLElement | null>) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = mainRef.current;
    if (!main) return;
    window.scrollTo(0, 0);
    const target = main.querySelector<HTMLElement>('[data-autofocus]') ?? main.querySelector<HTMLElement>('h1') ?? main;
    target.focus({ preventScroll: true });
  }, [pathname, mainRef]);
}
