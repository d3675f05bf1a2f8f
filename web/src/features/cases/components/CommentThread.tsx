import type { CaseComment } from '../../../api/types';
import { DateTime } from '../../../components/DateTime';
import { t } from '../../../i18n';

interface CommentThreadProps {
  comments: readonly CaseComment[];
}

function authorLabel(comment: CaseComment): string {
  const { kind, name } = comment.author;
  if (kind === 'agent') return name ? t('conversation.authorAgent', { name }) : t('conversation.agent');
  return name ? t('conversation.authorCustomer', { name }) : t('conversation.customer');
}

/**
 * A case's public conversation, oldest first: the support team's messages and the customer's
 * told apart by their look and, for screen readers, by who is named as writing each one.
 */
export function CommentThread({ comments }: CommentThreadProps) {
  if (comments.length === 0) return <p className="conversation__empty">{t('conversation.empty')}</p>;
  return (
    <ol className="conversation">
      {comments.map((comment) => {
        const author = authorLabel(comment);
        return (
          <li key={comment.id} className={`message message--${comment.author.kind}`}>
            <article aria-label={t('conversation.wrote', { author })}>
              <header className="message__header">
                <span className="message__author">{author}</span>
                <DateTime value={comment.created_at} variant="stacked" />
              </header>
              <div className="message__body" dir="auto">{comment.body}</div>
            </article>
          </li>
        );
      })}
    </ol>
  );
}
