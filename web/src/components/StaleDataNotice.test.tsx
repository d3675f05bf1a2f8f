import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StaleDataNotice } from './StaleDataNotice';

describe('StaleDataNotice', () => {
  it('renders an empty polite live region for fresh data', () => {
    render(<StaleDataNotice stale={null} source="cases" />);
    expect(screen.getByRole('status')).toBeEmptyDOMElement();
  });

  it('says how old the data is, in the customer’s words', () => {
    render(<StaleDataNotice stale={{ ageSeconds: 3 * 86_400, receivedAt: Date.now() }} source="documents" />);
    expect(screen.getByRole('status')).toHaveTextContent(
      'Our document system is not reachable right now. You are seeing information from 3 days ago; it may be out of date.',
    );
  });

  it('never says "from now" for data less than a minute old', () => {
    render(<StaleDataNotice stale={{ ageSeconds: 10, receivedAt: Date.now() }} source="cases" />);
    expect(screen.getByRole('status')).toHaveTextContent(
      'Our case system is not reachable right now. You are seeing information from less than a minute ago; it may be out of date.',
    );
  });

  it('still warns when the server did not say how old the data is', () => {
    render(<StaleDataNotice stale={{ ageSeconds: null, receivedAt: Date.now() }} source="cases" />);
    expect(screen.getByRole('status')).toHaveTextContent(
      'Our case system is not reachable right now. You are seeing information saved earlier; it may be out of date.',
    );
  });

  it('counts the time since the response arrived', () => {
    render(<StaleDataNotice stale={{ ageSeconds: 60, receivedAt: Date.now() - 2 * 3_600_000 }} source="cases" />);
    expect(screen.getByRole('status')).toHaveTextContent('You are seeing information from 2 hours ago;');
  });
});
