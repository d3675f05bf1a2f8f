import type { ReactNode, Ref } from 'react';

interface AlertProps {
  tone: 'error' | 'success' | 'info' | 'warning';
  title?: string;
  children?: ReactNode;
  /** Marks the alert as the element to focus after the next navigation or submit. */
  focusAfterNavigation?: boolean;
  id?: string;
  /** For a message that takes focus as soon as it appears (give it `focusAfterNavigation` too). */
  ref?: Ref<HTMLDivElement>;
}

/**
 * A message box. Errors and warnings are announced at once (role="alert"); success and info
 * politely (role="status").
 */
export function Alert({ tone, title, children, focusAfterNavigation = false, id, ref }: AlertProps) {
  const urgent = tone === 'error' || tone === 'warning';
  return (
    <div
      ref={ref}
      id={id}
      className={`alert alert--${tone}`}
      role={urgent ? 'alert' : 'status'}
      tabIndex={focusAfterNavigation ? -1 : undefined}
      data-autofocus={focusAfterNavigation ? '' : undefined}
    >
      {title ? <p className="alert__title">{title}</p> : null}
      {children ? <div className="alert__body">{children}</div> : null}
    </div>
  );
}
