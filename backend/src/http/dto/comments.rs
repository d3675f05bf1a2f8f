//! The conversation's responses: a case's public comments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::services::comments::{AuthorKind, Comment as CommentValue};

/// Who wrote a comment: the customer (one of the account's contacts, through the portal) or
/// an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentAuthorKind {
    Customer,
    Agent,
}

impl From<AuthorKind> for CommentAuthorKind {
    fn from(kind: AuthorKind) -> Self {
        match kind {
            AuthorKind::Customer => Self::Customer,
            AuthorKind::Agent => Self::Agent,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommentAuthor {
    pub kind: CommentAuthorKind,
    /// The contact's name for the customer; an agent's first name only. Null when unknown
    /// (an agent without a first name, a contact no longer of this customer).
    pub name: Option<String>,
}

/// A public comment on a case. Agents' internal comments are never part of the conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    #[schema(example = "00aDn000001AbCdIAK")]
    pub id: String,
    /// Plain text, line breaks kept; render it as text, never as HTML.
    pub body: String,
    pub author: CommentAuthor,
    pub created_at: DateTime<Utc>,
}

impl From<CommentValue> for Comment {
    fn from(c: CommentValue) -> Self {
        Self {
            id: c.id.to_string(),
            body: c.body,
            author: CommentAuthor {
                kind: c.author.into(),
                name: c.author_name,
            },
            created_at: c.created_at,
        }
    }
}

/// One page of a case's conversation, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommentList {
    pub items: Vec<Comment>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A case with what its conversation says: how many public comments, when, and by whom last.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: super::Case,
    /// Public comments only.
    pub comment_count: u64,
    /// The latest public comment's time, or the case's creation when it has none.
    pub last_activity_at: DateTime<Utc>,
    /// Who wrote the latest public comment; null when there is none.
    pub last_actor: Option<CommentAuthorKind>,
}

impl CaseDetail {
    pub fn new(case: super::Case, activity: crate::services::comments::Activity) -> Self {
        Self {
            case,
            comment_count: activity.comment_count as u64,
            last_activity_at: activity.last_activity_at,
            last_actor: activity.last_actor.map(CommentAuthorKind::from),
        }
    }
}
