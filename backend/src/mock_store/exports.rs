//! Case exports from the mock store (issue 16): a job is the account's cases as they were when
//! it started, over the same account index the case list reads; it completes at its first
//! progress poll, and its rows come in sets of `exports.page_records`, like Bulk API 2.0's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::anyhow;
use async_trait::async_trait;

use super::MockStore;
use crate::salesforce::exports::{ExportJob, ExportPage, ExportPort, ExportRow, ExportState};
use crate::salesforce::{PortError, PortResult, SalesforceId};

/// Jobs kept at most; the oldest goes first.
const MAX_JOBS: usize = 1_000;

struct Job {
    rows: Arc<Vec<ExportRow>>,
    polled: bool,
    order: u64,
}

pub struct MockExports {
    store: Arc<MockStore>,
    page_records: usize,
    jobs: Mutex<(HashMap<String, Job>, u64)>,
}

impl MockExports {
    pub fn new(store: Arc<MockStore>, page_records: u32) -> Self {
        Self {
            store,
            page_records: page_records.max(1) as usize,
            jobs: Mutex::default(),
        }
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, (HashMap<String, Job>, u64)> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl ExportPort for MockExports {
    async fn start(&self, account: &SalesforceId) -> PortResult<ExportJob> {
        let rows: Vec<ExportRow> = self
            .store
            .account_cases(account)
            .iter()
            .map(|c| ExportRow {
                case_number: c.case_number.clone(),
                subject: c.subject.clone(),
                status: c.status.clone(),
                priority: c.priority.clone(),
                is_closed: c.is_closed,
                created: Some(c.created_date),
                closed: c.closed_date,
                last_modified: Some(c.last_modified_date),
            })
            .collect();
        let job_id = format!("750Mk{}", &uuid::Uuid::new_v4().simple().to_string()[..13]);
        let mut jobs = self.jobs();
        let (map, counter) = &mut *jobs;
        if map.len() >= MAX_JOBS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, j)| j.order)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        *counter += 1;
        map.insert(
            job_id.clone(),
            Job {
                rows: Arc::new(rows),
                polled: false,
                order: *counter,
            },
        );
        Ok(ExportJob {
            job_id,
            state: ExportState::Queued,
            records: 0,
        })
    }

    async fn progress(&self, job_id: &str) -> PortResult<Option<ExportJob>> {
        let mut jobs = self.jobs();
        Ok(jobs.0.get_mut(job_id).map(|job| {
            job.polled = true;
            ExportJob {
                job_id: job_id.to_owned(),
                state: ExportState::Complete,
                records: job.rows.len() as u64,
            }
        }))
    }

    async fn page(&self, job_id: &str, locator: Option<&str>) -> PortResult<ExportPage> {
        let rows = {
            let jobs = self.jobs();
            let job = jobs
                .0
                .get(job_id)
                .ok_or_else(|| PortError::Internal(anyhow!("no export job {job_id}")))?;
            if !job.polled {
                return Err(PortError::Internal(anyhow!(
                    "export job {job_id} is not complete"
                )));
            }
            Arc::clone(&job.rows)
        };
        let start = match locator {
            None => 0,
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|s| *s < rows.len())
                .ok_or_else(|| PortError::Internal(anyhow!("invalid export locator {l:?}")))?,
        };
        let end = (start + self.page_records).min(rows.len());
        Ok(ExportPage {
            rows: rows[start..end].to_vec(),
            next: (end < rows.len()).then(|| end.to_string()),
        })
    }
}
