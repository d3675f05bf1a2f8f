import { useQuery, type QueryClient } from '@tanstack/react-query';
import type { LoaderFunctionArgs } from 'react-router';
import { EmptyState } from '../../../components/EmptyState';
import { PageHeader } from '../../../components/PageHeader';
import { LoadingScreen } from '../../../components/PendingBar';
import { ProblemMessage } from '../../../components/ProblemMessage';
import { t } from '../../../i18n';
import { requireSession, useSession, withSession } from '../../../session/session';
import { ownedProductsQuery, recommendationsQuery } from '../api/products';
import { OwnedProductsTable } from '../components/OwnedProductsTable';
import { Recommendations } from '../components/Recommendations';

export function productsLoader(queryClient: QueryClient) {
  return async ({ request }: LoaderFunctionArgs) => {
    const session = await requireSession(queryClient, request);
    const customerId = session.customer.id;
    // Both sections' data before the page renders (a failure goes to the route's error view).
    await withSession(queryClient, request, () =>
      Promise.all([queryClient.query(ownedProductsQuery(customerId)), queryClient.query(recommendationsQuery(customerId))]),
    );
    return null;
  };
}

/** "My products": what the account owns, and the products recommended to it. */
export function ProductsRoute() {
  const session = useSession();
  const customerId = session.customer.id;
  const owned = useQuery(ownedProductsQuery(customerId));
  const recommended = useQuery(recommendationsQuery(customerId));

  return (
    <>
      <PageHeader title={t('products.title')} intro={t('products.intro')} />
      <section className="page-section" aria-labelledby="owned-heading">
        <h2 id="owned-heading">{t('products.owned.heading')}</h2>
        {owned.data ? (
          owned.data.data.length === 0 ? (
            <EmptyState>
              <p>{t('products.owned.empty')}</p>
            </EmptyState>
          ) : (
            <OwnedProductsTable items={owned.data.data} />
          )
        ) : owned.isError ? (
          <ProblemMessage
            error={owned.error}
            onRetry={() => {
              void owned.refetch();
            }}
          />
        ) : (
          <LoadingScreen />
        )}
      </section>
      <section className="page-section" aria-labelledby="recommended-heading">
        <h2 id="recommended-heading">{t('recommendations.heading')}</h2>
        <p>{t('recommendations.intro')}</p>
        {recommended.data ? (
          <Recommendations list={recommended.data.data} customerId={customerId} csrfToken={session.csrf_token} />
        ) : recommended.isError ? (
          <ProblemMessage
            error={recommended.error}
            onRetry={() => {
              void recommended.refetch();
            }}
          />
        ) : (
          <LoadingScreen />
        )}
      </section>
    </>
  );
}
