//! Agent activity in the mock store (issue 14, decision 034): the store's published comments
//! (fixtures and the portal's own replies from the case journal) and its cases' statuses, plus
//! what agents do "in the org": the agent desk, `<data_dir>/agent-desk.jsonl`, one JSON line
//! per agent comment or status change. The desk is how a demo or a test makes an agent act
//! without an org; the portal never writes it, only reads it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::MockStore;
use crate::salesforce::activity::{ActivityCase, ActivityPort, CaseState, PublishedComment};
use crate::salesforce::{CaseRecord, PortError, PortResult, SalesforceId};

/// The desk's file name in the data directory.
pub const DESK_FILE: &str = "agent-desk.jsonl";

/// One line of the agent desk.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeskEntry {
    /// An agent's comment on a case; `published: false` is an internal one.
    Comment {
        id: String,
        case: SalesforceId,
        body: String,
        published: bool,
        at: DateTime<Utc>,
    },
    /// An agent set the case's Status.
    Status {
        case: SalesforceId,
        status: String,
        at: DateTime<Utc>,
    },
}

pub struct MockActivity {
    store: Arc<MockStore>,
    desk: PathBuf,
}

impl MockActivity {
    pub fn new(store: Arc<MockStore>, data_dir: &Path) -> Self {
        Self {
            store,
            desk: data_dir.join(DESK_FILE),
        }
    }

    /// The desk's entries; none while there is no desk file.
    async fn desk(&self) -> PortResult<Vec<DeskEntry>> {
        let text = match tokio::fs::read_to_string(&self.desk).await {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => {
                return Err(PortError::Internal(
                    anyhow!(err).context(format!("reading {}", self.desk.display())),
                ));
            }
        };
        text.lines()
            .filter(|line| !line.trim().is_empty())
            // A line being appended right now may be incomplete: it is read at the next poll.
            .take_while(|line| line.trim_end().ends_with('}'))
            .map(|line| {
                serde_json::from_str(line)
                    .with_context(|| format!("a line of {}", self.desk.display()))
                    .map_err(PortError::Internal)
            })
            .collect()
    }
}

fn activity_case(case: &CaseRecord) -> ActivityCase {
    ActivityCase {
        case_id: case.id.clone(),
        case_number: case.case_number.clone(),
        account_id: case.account_id.clone(),
        contact_id: case.contact_id.clone(),
    }
}

#[async_trait]
impl ActivityPort for MockActivity {
    async fn published_comments(&self, since: DateTime<Utc>) -> PortResult<Vec<PublishedComment>> {
        let desk = self.desk().await?;
        let st = self.store.read();
        let mut found: Vec<PublishedComment> = st
            .comments_by_case
            .values()
            .flatten()
            .filter(|c| c.is_published && c.record.created_date > since)
            .filter_map(|c| {
                Some(PublishedComment {
                    id: c.record.id.as_str().to_owned(),
                    case: activity_case(st.cases.get(&c.record.case_id)?),
                    body: c.record.body.clone(),
                    created: c.record.created_date,
                })
            })
            .collect();
        for entry in desk {
            if let DeskEntry::Comment {
                id,
                case,
                body,
                published: true,
                at,
            } = entry
                && at > since
                && let Some(record) = st.cases.get(&case)
            {
                found.push(PublishedComment {
                    id,
                    case: activity_case(record),
                    body,
                    created: at,
                });
            }
        }
        found.sort_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        Ok(found)
    }

    async fn case_states(&self, since: Option<DateTime<Utc>>) -> PortResult<Vec<CaseState>> {
        let desk = self.desk().await?;
        // The latest status an agent set on each case at the desk.
        let mut set: HashMap<SalesforceId, (String, DateTime<Utc>)> = HashMap::new();
        for entry in desk {
            if let DeskEntry::Status { case, status, at } = entry
                && set.get(&case).is_none_or(|(_, seen)| *seen <= at)
            {
                set.insert(case, (status, at));
            }
        }
        let st = self.store.read();
        let mut found: Vec<CaseState> = st
            .cases
            .values()
            .map(|case| {
                let (status, modified) = match set.get(&case.id) {
                    Some((status, at)) if *at > case.last_modified_date => (status.clone(), *at),
                    _ => (case.status.clone(), case.last_modified_date),
                };
                CaseState {
                    case: activity_case(case),
                    status,
                    modified,
                }
            })
            .filter(|state| since.is_none_or(|since| state.modified > since))
            .collect();
        found.sort_by(|a, b| (a.modified, &a.case.case_id).cmp(&(b.modified, &b.case.case_id)));
        Ok(found)
    }
}
