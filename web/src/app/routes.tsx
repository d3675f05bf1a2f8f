import type { QueryClient } from '@tanstack/react-query';
import { redirect, type RouteObject } from 'react-router';
import { NotFound } from '../components/NotFound';
import { LoadingScreen } from '../components/PendingBar';
import { RouteErrorView } from '../components/RouteErrorView';
import { SignInRoute, signInLoader } from '../features/auth/routes/SignInRoute';
import { signOutAction } from '../features/auth/routes/signOut';
import { adoptProfileLanguage } from '../session/profileLanguage';
import { PROTECTED_ROUTE_ID, requireSession, sessionQuery } from '../session/session';
import { RootErrorPage } from './RootErrorPage';
import { RootLayout } from './RootLayout';

/**
 * Sign-in is in the first bundle (it is the first page most visits see); each signed-in page is
 * its own chunk, fetched in parallel with the session check.
 */
export function createRoutes(queryClient: QueryClient): RouteObject[] {
  return [
    {
      id: 'root',
      path: '/',
      loader: async () => {
        await queryClient.query(sessionQuery);
        return null;
      },
      Component: RootLayout,
      ErrorBoundary: RootErrorPage,
      HydrateFallback: LoadingScreen,
      children: [
        { index: true, loader: () => redirect('/cases') },
        { path: 'sign-in', loader: signInLoader(queryClient), Component: SignInRoute },
        {
          path: 'forgot-password',
          lazy: async () => {
            const { ForgotPasswordRoute } = await import('../features/auth/routes/PasswordResetRoutes');
            return { Component: ForgotPasswordRoute };
          },
        },
        {
          path: 'reset-password',
          lazy: async () => {
            const { ResetPasswordRoute } = await import('../features/auth/routes/PasswordResetRoutes');
            return { Component: ResetPasswordRoute };
          },
        },
        { path: 'sign-out', action: signOutAction(queryClient), loader: () => redirect('/cases') },
        {
          id: PROTECTED_ROUTE_ID,
          loader: async ({ request }) => adoptProfileLanguage(await requireSession(queryClient, request)),
          // Check the (cached) session on every navigation, so a signed-out tab cannot wander on.
          shouldRevalidate: () => true,
          ErrorBoundary: RouteErrorView,
          children: [
            {
              path: 'profile',
              lazy: async () => {
                const { ProfileRoute, profileLoader } = await import('../features/profile/routes/ProfileRoute');
                return { loader: profileLoader(queryClient), Component: ProfileRoute };
              },
            },
            {
              path: 'documents',
              lazy: async () => {
                const { DocumentsRoute, documentsLoader } = await import('../features/documents/routes/DocumentsRoute');
                return { loader: documentsLoader(queryClient), Component: DocumentsRoute };
              },
            },
            {
              path: 'products',
              lazy: async () => {
                const { ProductsRoute, productsLoader } = await import('../features/products/routes/ProductsRoute');
                return { loader: productsLoader(queryClient), Component: ProductsRoute };
              },
            },
            {
              path: 'appointments',
              lazy: async () => {
                const { AppointmentsRoute, appointmentsLoader } = await import('../features/appointments/routes/AppointmentsRoute');
                return { loader: appointmentsLoader(queryClient), Component: AppointmentsRoute };
              },
            },
            {
              path: 'appointments/book',
              lazy: async () => {
                const { BookAppointmentRoute, bookAppointmentLoader } = await import(
                  '../features/appointments/routes/BookAppointmentRoute'
                );
                return { loader: bookAppointmentLoader(queryClient), Component: BookAppointmentRoute };
              },
            },
            {
              path: 'cases',
              lazy: async () => {
                const { CasesRoute, casesLoader } = await import('../features/cases/routes/CasesRoute');
                return { loader: casesLoader(queryClient), Component: CasesRoute };
              },
            },
            {
              path: 'cases/new',
              lazy: async () => {
                const { NewCaseRoute } = await import('../features/cases/routes/NewCaseRoute');
                return { Component: NewCaseRoute };
              },
            },
            {
              path: 'cases/:caseId',
              lazy: async () => {
                const [{ CaseDetailRoute, caseDetailLoader }, { CaseDetailError }] = await Promise.all([
                  import('../features/cases/routes/CaseDetailRoute'),
                  import('../features/cases/routes/CaseDetailError'),
                ]);
                return { loader: caseDetailLoader(queryClient), Component: CaseDetailRoute, ErrorBoundary: CaseDetailError };
              },
            },
          ],
        },
        { path: '*', Component: NotFound },
      ],
    },
  ];
}
