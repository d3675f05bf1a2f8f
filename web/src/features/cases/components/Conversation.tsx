import { useQuery } from '@tanstack/react-query';
import type { CaseDetail } from '../../../api/types';
import { Alert } from '../../../components/Alert';
import { ProblemMessage } from '../../../components/ProblemMessage';
import { t, tp } from '../../../i18n';
import { commentsQuery } from '../api/comments';
import { CommentThread } from './CommentThread';
import { ReplyBox } from './ReplyBox';

interface ConversationProps {
  customerId: string;
  csrfToken: string;
  caseItem: CaseDetail;
}

/** The case page's conversation: the thread, then the reply box (or why there is none). */
export function Conversation({ customerId, csrfToken, caseItem }: ConversationProps) {
  const thread = useQuery(commentsQuery(customerId, caseItem.id));
  return (
    <>
      <section aria-labelledby="conversation-heading" className="card">
        <h2 id="conversation-heading">{t('conversation.heading')}</h2>
        {thread.data ? (
          <>
            <p className="conversation__count">{tp('conversation.count', thread.data.data.length)}</p>
            <CommentThread comments={thread.data.data} />
          </>
        ) : thread.isError ? (
          <ProblemMessage
            error={thread.error}
            title={t('conversation.loadFailed')}
            onRetry={() => {
              void thread.refetch();
            }}
          />
        ) : (
          <p className="conversation__loading">{t('app.loading')}</p>
        )}
      </section>
      <section aria-labelledby="reply-heading" className="card">
        <h2 id="reply-heading">{t('reply.heading')}</h2>
        {caseItem.is_closed ? (
          <Alert tone="info">
            <p>{t('reply.closed')}</p>
          </Alert>
        ) : (
          <ReplyBox customerId={customerId} caseId={caseItem.id} csrfToken={csrfToken} />
        )}
      </section>
    </>
  );
}
