//! Closing and reopening cases in the mock store: each change planned against the store as it
//! is (and against the changes before it in the same batch), journalled with the batch's
//! creates under one sync, then made visible and answered. As in Salesforce, `ClosedDate` is
//! set when a case becomes closed, kept while it stays closed, and cleared when it reopens.

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use super::journal::Entry;
use crate::salesforce::{CaseRecord, CaseStatusWrite, PortError, PortResult, SalesforceId};

pub type StatusReply = oneshot::Sender<PortResult<Option<CaseRecord>>>;

/// One batch's status changes: the cases after each change, and who waits for which.
pub struct StatusWrites {
    /// Each change's case as it is after it, with the close reason it was given, in order.
    changed: Vec<(CaseRecord, Option<String>)>,
    /// Per request: an index into `changed`, or `None` for a case the account does not have.
    replies: Vec<(Option<usize>, StatusReply)>,
}

impl StatusWrites {
    /// Plans `writes` over the store's cases (`stored` looks one up by id).
    pub fn plan(
        stored: impl Fn(&SalesforceId) -> Option<CaseRecord>,
        writes: Vec<(CaseStatusWrite, StatusReply)>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut changed: Vec<(CaseRecord, Option<String>)> = Vec::new();
        let mut replies = Vec::with_capacity(writes.len());
        for (write, reply) in writes {
            // The latest state of the case: an earlier change of this batch, else the store's.
            let current = changed
                .iter()
                .rev()
                .map(|(case, _)| case)
                .find(|case| case.id == write.case_id)
                .cloned()
                .or_else(|| stored(&write.case_id))
                .filter(|case| case.account_id == write.account_id);
            let Some(mut case) = current else {
                replies.push((None, reply));
                continue;
            };
            if write.closes {
                if !case.is_closed {
                    case.closed_date = Some(now);
                }
                case.is_closed = true;
            } else {
                case.is_closed = false;
                case.closed_date = None;
            }
            case.status = write.status;
            case.last_modified_date = now;
            let reason = if write.closes {
                write.close_reason
            } else {
                None
            };
            changed.push((case, reason));
            replies.push((Some(changed.len() - 1), reply));
        }
        Self { changed, replies }
    }

    /// The journal lines of the changes.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.changed
            .iter()
            .map(|(case, close_reason)| Entry::CaseStatus {
                case: case.clone(),
                close_reason: close_reason.clone(),
            })
    }

    /// Makes the journalled changes visible through `insert`, in order (the last change of a
    /// case wins).
    pub fn apply(&self, mut insert: impl FnMut(CaseRecord)) {
        for (case, _) in &self.changed {
            insert(case.clone());
        }
    }

    /// Answers each request with its case after its change (or `None`).
    pub fn answer(self) {
        for (changed, reply) in self.replies {
            let case = changed.map(|i| self.changed[i].0.clone());
            // The caller may have gone away; the change is durable either way.
            let _ = reply.send(Ok(case));
        }
    }

    /// Answers every request with the journal's failure: nothing of the batch was kept.
    pub fn fail(self, failure: impl Fn() -> PortError) {
        for (_, reply) in self.replies {
            let _ = reply.send(Err(failure()));
        }
    }
}
