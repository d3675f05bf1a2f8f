import { useEffect, type ReactNode } from 'react';
import { pageTitle } from '../i18n';

interface PageHeaderProps {
  title: string;
  /** The browser tab title, when it should differ from the heading. */
  documentTitle?: string;
  intro?: ReactNode;
  actions?: ReactNode;
}

/**
 * A page's single h1. It can take focus (tabIndex -1) so that the app moves focus to it after
 * each navigation, and it keeps the browser tab title in step.
 */
export function PageHeader({ title, documentTitle, intro, actions }: PageHeaderProps) {
  useDocumentTitle(documentTitle ?? title);
  return (
    <div className="page-header">
      <div className="page-header__text">
        <h1 tabIndex={-1} dir="auto">{title}</h1>
        {intro ? <p className="page-header__intro">{intro}</p> : null}
      </div>
      {actions ? <div className="page-header__actions">{actions}</div> : null}
    </div>
  );
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = pageTitle(title);
  }, [title]);
}
