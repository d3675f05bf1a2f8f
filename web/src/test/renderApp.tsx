import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RouterProvider } from 'react-router';
import { createApp } from '../app/createApp';

/** Renders the whole app (real routes, loaders and query cache) at `path`, on a memory router. */
export function renderApp(path: string) {
  const app = createApp({ initialEntries: [path] });
  const user = userEvent.setup();
  const view = render(
    <QueryClientProvider client={app.queryClient}>
      <RouterProvider router={app.router} />
    </QueryClientProvider>,
  );
  return { ...view, ...app, user };
}
