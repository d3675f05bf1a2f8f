import { useEffect, useRef, useState } from 'react';
import type { CatalogProduct, Recommendation, RecommendationList } from '../../../api/types';
import { Alert } from '../../../components/Alert';
import { DateTime } from '../../../components/DateTime';
import { EmptyState } from '../../../components/EmptyState';
import { RequestId } from '../../../components/ProblemMessage';
import { t } from '../../../i18n';
import { describeError } from '../../../lib/errorMessage';
import { uuidv4 } from '../../../lib/uuid';
import { useDismiss, useInterest } from '../api/products';

interface RecommendationsProps {
  list: RecommendationList;
  customerId: string;
  csrfToken: string;
}

type Outcome =
  | { kind: 'interested' | 'dismissed' | 'restored'; name: string }
  | { kind: 'failed'; message: string; requestId: string | undefined };

/**
 * The products recommended to the customer, each with why, "I'm interested" and "Not for me";
 * the ones they hid, to show again. After each action the outcome is announced and takes focus,
 * since the button that was pressed may be gone.
 */
export function Recommendations({ list, customerId, csrfToken }: RecommendationsProps) {
  const interest = useInterest(customerId);
  const dismiss = useDismiss(customerId);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [seq, setSeq] = useState(0);
  const outcomeRef = useRef<HTMLDivElement>(null);
  // One Idempotency-Key per product's click; a retry of the same click reuses it.
  const keys = useRef(new Map<string, string>());

  useEffect(() => {
    if (seq > 0) outcomeRef.current?.focus();
  }, [seq]);

  const report = (next: Outcome) => {
    setOutcome(next);
    setSeq((n) => n + 1);
  };
  const failed = (error: unknown) => {
    const { message, requestId } = describeError(error);
    report({ kind: 'failed', message, requestId });
  };
  const busy = interest.isPending || dismiss.isPending;

  const askInterest = (product: CatalogProduct) => {
    let key = keys.current.get(product.id);
    if (!key) {
      key = uuidv4();
      keys.current.set(product.id, key);
    }
    interest.mutate(
      { productId: product.id, idempotencyKey: key, csrfToken },
      {
        onSuccess: () => {
          keys.current.delete(product.id);
          report({ kind: 'interested', name: product.name });
        },
        onError: failed,
      },
    );
  };
  const setDismissed = (product: CatalogProduct, dismissed: boolean) => {
    dismiss.mutate(
      { productId: product.id, dismissed, csrfToken },
      {
        onSuccess: () => {
          report({ kind: dismissed ? 'dismissed' : 'restored', name: product.name });
        },
        onError: failed,
      },
    );
  };

  return (
    <>
      {outcome ? (
        outcome.kind === 'failed' ? (
          <Alert tone="error" title={t('recommendations.failed')} ref={outcomeRef} focusAfterNavigation>
            <p>{outcome.message}</p>
            {outcome.requestId ? <RequestId id={outcome.requestId} /> : null}
          </Alert>
        ) : (
          <Alert tone="success" ref={outcomeRef} focusAfterNavigation>
            <p>{t(`recommendations.outcome.${outcome.kind}`, { name: outcome.name })}</p>
          </Alert>
        )
      ) : null}
      {list.items.length === 0 ? (
        <EmptyState>
          <p>{t('recommendations.empty')}</p>
        </EmptyState>
      ) : (
        <ul className="recommendations">
          {list.items.map((item) => (
            <RecommendationCard
              key={item.product.id}
              item={item}
              busy={busy}
              onInterest={() => {
                askInterest(item.product);
              }}
              onDismiss={() => {
                setDismissed(item.product, true);
              }}
            />
          ))}
        </ul>
      )}
      {list.dismissed.length > 0 ? (
        <section className="recommendations__hidden" aria-labelledby="hidden-recommendations">
          <h3 id="hidden-recommendations">{t('recommendations.hidden.heading')}</h3>
          <ul>
            {list.dismissed.map((product) => (
              <li key={product.id}>
                <span>{product.name}</span>
                <button
                  type="button"
                  className="button button--secondary button--small"
                  disabled={busy}
                  aria-label={t('recommendations.showAgainLabel', { name: product.name })}
                  onClick={() => {
                    setDismissed(product, false);
                  }}
                >
                  {t('recommendations.showAgain')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

interface CardProps {
  item: Recommendation;
  busy: boolean;
  onInterest: () => void;
  onDismiss: () => void;
}

function RecommendationCard({ item, busy, onInterest, onDismiss }: CardProps) {
  const headingId = `recommendation-${item.product.id}`;
  return (
    <li className="recommendation" aria-labelledby={headingId}>
      <h3 id={headingId} className="recommendation__name">
        {item.product.name}
      </h3>
      {item.product.family ? <p className="recommendation__family">{item.product.family}</p> : null}
      {item.product.description ? <p>{item.product.description}</p> : null}
      <p className="recommendation__why">{t('recommendations.why')}</p>
      <ul className="recommendation__reasons">
        {item.reasons.map((reason) => (
          <li key={`${reason.code}-${reason.message}`} data-reason={reason.code}>
            {reason.message}
          </li>
        ))}
      </ul>
      <div className="recommendation__actions">
        {item.interest_requested_at ? (
          <p className="recommendation__requested">
            {t('recommendations.requested')} <DateTime value={item.interest_requested_at} variant="inline" />
          </p>
        ) : (
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            aria-label={t('recommendations.interestedLabel', { name: item.product.name })}
            onClick={onInterest}
          >
            {t('recommendations.interested')}
          </button>
        )}
        <button
          type="button"
          className="button button--secondary"
          disabled={busy}
          aria-label={t('recommendations.dismissLabel', { name: item.product.name })}
          onClick={onDismiss}
        >
          {t('recommendations.dismiss')}
        </button>
      </div>
    </li>
  );
}
