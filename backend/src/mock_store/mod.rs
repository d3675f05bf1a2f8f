//! The embedded mock store: Salesforce records from JSON fixtures, with new cases and status
//! changes kept in a durable journal. It implements the same port as the real Salesforce adapter, so the whole
//! portal runs on a laptop with no org.

pub mod activity;
pub mod appointments;
mod attachments;
mod case_status;
pub mod exports;
mod fixtures;
pub mod forms;
mod index;
mod journal;
pub mod products;
pub mod profile;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use tokio::sync::{mpsc, oneshot};
use tokio_util::io::ReaderStream;

use crate::data_dir::DataDirFull;
use crate::domain::case::CaseStatus;
use crate::domain::comment::Marker;
use crate::domain::paging::Page;
use crate::observability::health::Probe;
use crate::salesforce::{
    Account, AttachmentOutcome, AttachmentRecord, Awaiting, AwaitingFilter, CaseQuery, CaseRecord,
    CaseScope, CaseSortField, CaseStatusFilter, CaseStatusWrite, CommentOutcome, CommentRecord,
    Contact, ContentStream, DocumentQuery, DocumentRecord, DocumentScope, DocumentSortField,
    MAX_CASE_COMMENTS, NewAttachment, NewCaseRecord, NewCommentRecord, PortError, PortResult,
    SalesforceId, SalesforcePort, UpsertOutcome,
};
use attachments::Attachments;
use case_status::{StatusReply, StatusWrites};
use index::SortedIndex;
use journal::{Entry, Journal, JournalBroken};

/// Most creates one group commit takes at once.
const MAX_BATCH: usize = 256;

#[derive(Default)]
struct State {
    accounts: HashMap<SalesforceId, Account>,
    contacts: HashMap<SalesforceId, Contact>,
    /// Each contact's value of the sign-in field (`oidc.contact_field`), when it has one.
    contact_sign_in: Vec<(String, SalesforceId)>,
    cases: HashMap<SalesforceId, Arc<CaseRecord>>,
    cases_by_account: HashMap<SalesforceId, SortedIndex<CaseSortField, CaseRecord>>,
    case_by_request_id: HashMap<String, SalesforceId>,
    documents_by_account: HashMap<SalesforceId, SortedIndex<DocumentSortField, DocumentRecord>>,
    /// The files in an account's index that are shared with one contact alone, and whose:
    /// only that contact sees them (decision 031).
    document_owner: HashMap<SalesforceId, SalesforceId>,
    /// The cases shared with each contact through case teams.
    shared_cases: HashMap<SalesforceId, std::collections::HashSet<SalesforceId>>,
    version_files: HashMap<SalesforceId, PathBuf>,
    /// Per account, how many cases were written to it: its lists' version (`list_version`),
    /// bumped in the same critical section as the write it stands for.
    writes_by_account: HashMap<SalesforceId, u64>,
    /// Each case's comments, published and internal, oldest first.
    comments_by_case: HashMap<SalesforceId, Vec<StoredComment>>,
    /// Every comment's id, so a new one is unique without a walk over them all.
    comment_ids: std::collections::HashSet<SalesforceId>,
    /// The published portal replies by (case, marker reference): what a retry looks up.
    comment_by_reference: HashMap<(SalesforceId, String), CommentRecord>,
}

/// A comment as the store keeps it; only published ones ever leave it.
#[derive(Clone)]
struct StoredComment {
    is_published: bool,
    record: CommentRecord,
}

impl State {
    fn insert_case(&mut self, case: CaseRecord) {
        if let Some(request_id) = &case.portal_request_id {
            self.case_by_request_id
                .insert(request_id.clone(), case.id.clone());
        }
        let case = Arc::new(case);
        self.cases_by_account
            .entry(case.account_id.clone())
            .or_insert_with(|| SortedIndex::new(CaseSortField::value_of))
            .upsert(&case.id, Arc::clone(&case));
        *self
            .writes_by_account
            .entry(case.account_id.clone())
            .or_insert(0) += 1;
        self.cases.insert(case.id.clone(), case);
    }

    fn insert_comment(&mut self, account: Option<&SalesforceId>, comment: StoredComment) {
        self.comment_ids.insert(comment.record.id.clone());
        if comment.is_published
            && let Some((marker, _)) = Marker::parse(&comment.record.body)
        {
            self.comment_by_reference.insert(
                (comment.record.case_id.clone(), marker.reference),
                comment.record.clone(),
            );
        }
        let list = self
            .comments_by_case
            .entry(comment.record.case_id.clone())
            .or_default();
        let key = |c: &StoredComment| (c.record.created_date, c.record.id.clone());
        let at = list.partition_point(|c| key(c) <= key(&comment));
        list.insert(at, comment);
        if let Some(account) = account {
            *self.writes_by_account.entry(account.clone()).or_insert(0) += 1;
        }
    }

    /// The published comment of the case whose marker has `reference`.
    fn comment_by_reference(&self, case: &SalesforceId, reference: &str) -> Option<CommentRecord> {
        self.comment_by_reference
            .get(&(case.clone(), reference.to_owned()))
            .cloned()
    }

    /// Whether the case is in the scope: the account's, and for a contact's scopes opened by
    /// them or (a member's view) shared with them through the case team.
    fn in_scope(&self, scope: &CaseScope, case: &CaseRecord) -> bool {
        scope.admits(&case.account_id, case.contact_id.as_ref(), || match scope {
            CaseScope::Visible { contact, .. } => self
                .shared_cases
                .get(contact)
                .is_some_and(|shared| shared.contains(&case.id)),
            _ => false,
        })
    }

    /// Whether a file of the scope's account is the account's, or the scope's contact's own.
    fn document_visible(&self, scope: &DocumentScope, id: &SalesforceId) -> bool {
        self.document_owner
            .get(id)
            .is_none_or(|owner| *owner == scope.contact)
    }

    fn max_case_number(&self) -> u64 {
        self.cases
            .values()
            .filter_map(|c| c.case_number.parse::<u64>().ok())
            .max()
            .unwrap_or(1000)
    }
}

type CreateReply = oneshot::Sender<PortResult<UpsertOutcome>>;
type CommentReply = oneshot::Sender<PortResult<CommentOutcome>>;

/// What the single writer is asked to make durable.
enum Write {
    Create(NewCaseRecord, CreateReply),
    Status(CaseStatusWrite, StatusReply),
    Comment(NewCommentRecord, CommentReply),
}

pub struct MockStore {
    state: Arc<RwLock<State>>,
    writer: mpsc::Sender<Write>,
    /// Set by the writer when the journal refuses writes until a restart; readiness reports it.
    journal_broken: Arc<AtomicBool>,
    /// Files attached to cases, with their own journal and folder.
    attachments: Attachments,
}

impl MockStore {
    /// Loads the fixtures from `fixtures_dir` and replays the journal in `data_dir`. Sign-ins
    /// through OpenID Connect are matched with the contacts' `contact_field` (any field the
    /// Contact fixtures hold, matched case-insensitively as Salesforce does).
    pub fn open(fixtures_dir: &Path, data_dir: &Path, contact_field: &str) -> anyhow::Result<Self> {
        let loaded = fixtures::load(fixtures_dir)
            .with_context(|| format!("loading mock fixtures from {}", fixtures_dir.display()))?;
        let contact_sign_in = loaded
            .contact_rows
            .iter()
            .filter_map(|row| {
                let id = SalesforceId::parse(row.get("Id")?.as_str()?).ok()?;
                let value = row
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(contact_field))?
                    .1
                    .as_str()?;
                Some((value.to_owned(), id))
            })
            .collect();
        let mut state = State {
            writes_by_account: HashMap::new(),
            contact_sign_in,
            accounts: loaded
                .accounts
                .into_iter()
                .map(|a| (a.id.clone(), a))
                .collect(),
            contacts: loaded
                .contacts
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect(),
            documents_by_account: loaded
                .documents_by_account
                .into_iter()
                .map(|(account, docs)| {
                    let mut index = SortedIndex::new(DocumentSortField::value_of);
                    for doc in docs {
                        index.upsert(&doc.id.clone(), Arc::new(doc));
                    }
                    (account, index)
                })
                .collect(),
            version_files: loaded.version_files,
            ..State::default()
        };
        for (case, contact) in loaded.case_team {
            state.shared_cases.entry(contact).or_default().insert(case);
        }
        for (contact, docs) in loaded.documents_by_contact {
            let Some(account) = state.contacts.get(&contact).map(|c| c.account_id.clone()) else {
                continue;
            };
            let index = state
                .documents_by_account
                .entry(account)
                .or_insert_with(|| SortedIndex::new(DocumentSortField::value_of));
            for doc in docs {
                // A file also shared with the whole account stays the account's.
                if index.get(&doc.id).is_none() {
                    state.document_owner.insert(doc.id.clone(), contact.clone());
                    index.upsert(&doc.id.clone(), Arc::new(doc));
                }
            }
        }
        for case in loaded.cases {
            state.insert_case(case);
        }
        for comment in loaded.comments {
            state.insert_comment(
                None,
                StoredComment {
                    is_published: comment.is_published,
                    record: comment.record,
                },
            );
        }
        let (journal, entries) = Journal::open(&data_dir.join("cases.jsonl"))?;
        for entry in entries {
            match entry {
                Entry::CreateCase { case } | Entry::CaseStatus { case, .. } => {
                    state.insert_case(case);
                }
                Entry::CreateComment { account, comment } => state.insert_comment(
                    Some(&account),
                    StoredComment {
                        is_published: true,
                        record: comment,
                    },
                ),
                Entry::CreateAttachment { .. }
                | Entry::ProductInterest { .. }
                | Entry::ProductDismissal { .. }
                | Entry::Appointment { .. }
                | Entry::Profile { .. } => {
                    anyhow::bail!("the case journal holds an attachment or product entry")
                }
            }
        }
        let attachments = Attachments::open(data_dir)?;
        let next_number = state.max_case_number() + 1;

        Self::start(state, journal, next_number, attachments)
    }

    /// Starts the single writer over `journal`.
    fn start(
        state: State,
        journal: Journal,
        next_number: u64,
        attachments: Attachments,
    ) -> anyhow::Result<Self> {
        let state = Arc::new(RwLock::new(state));
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let journal_broken = Arc::new(AtomicBool::new(false));
        let writer = Writer {
            journal,
            state: Arc::clone(&state),
            next_number,
            broken: Arc::clone(&journal_broken),
        };
        std::thread::Builder::new()
            .name("mock-store-writer".into())
            .spawn(move || write_loop(rx, writer))
            .context("starting the mock store writer")?;
        Ok(Self {
            state,
            writer: tx,
            journal_broken,
            attachments,
        })
    }

    /// Every case of `account`: the case list's account index (`cases_by_account`), which is
    /// where a visibility rule on the list applies to the export too (issue 16).
    pub fn account_cases(&self, account: &SalesforceId) -> Vec<Arc<CaseRecord>> {
        self.read()
            .cases_by_account
            .get(account)
            .map(|index| index.rows().cloned().collect())
            .unwrap_or_default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated (every update is a
        // single insert), so a poisoned lock is still safe to read.
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What the writer thread owns.
struct Writer {
    journal: Journal,
    state: Arc<RwLock<State>>,
    next_number: u64,
    broken: Arc<AtomicBool>,
}

/// The single writer: takes every write queued so far, journals them with one sync, then
/// makes them visible and answers. Nothing is visible or acknowledged before it is durable.
fn write_loop(mut rx: mpsc::Receiver<Write>, writer: Writer) {
    let Writer {
        mut journal,
        state,
        mut next_number,
        broken,
    } = writer;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let mut creates = Vec::with_capacity(batch.len());
        let mut status_writes = Vec::new();
        let mut comment_batch = Vec::new();
        for write in batch {
            match write {
                Write::Create(new, reply) => creates.push((new, reply)),
                Write::Status(change, reply) => status_writes.push((change, reply)),
                Write::Comment(new, reply) => comment_batch.push((new, reply)),
            }
        }

        // Milliseconds, as Salesforce stamps records and as the journal keeps them, so a case
        // reads the same before and after a restart.
        let now = Utc::now().trunc_subsecs(3);
        let mut fresh: Vec<CaseRecord> = Vec::new();
        // For each request: Ok(existing) when its request id is known, or an index into `fresh`.
        let mut plans: Vec<(Result<CaseRecord, usize>, CreateReply)> =
            Vec::with_capacity(creates.len());
        let statuses;
        {
            let st = state.read().unwrap_or_else(|p| p.into_inner());
            statuses = StatusWrites::plan(
                |id| st.cases.get(id).map(|case| CaseRecord::clone(case)),
                status_writes,
                now,
            );
            for (new, reply) in creates {
                let known = st
                    .case_by_request_id
                    .get(&new.portal_request_id)
                    .and_then(|id| st.cases.get(id))
                    .map(|case| CaseRecord::clone(case));
                if let Some(existing) = known {
                    plans.push((Ok(existing), reply));
                    continue;
                }
                if let Some(i) = fresh
                    .iter()
                    .position(|c| c.portal_request_id.as_deref() == Some(&new.portal_request_id))
                {
                    plans.push((Err(i), reply));
                    continue;
                }
                let id = loop {
                    let id = SalesforceId::generate("500");
                    if !st.cases.contains_key(&id) && fresh.iter().all(|c| c.id != id) {
                        break id;
                    }
                };
                fresh.push(CaseRecord {
                    id,
                    case_number: format!("{next_number:08}"),
                    account_id: new.account_id,
                    contact_id: new.contact_id,
                    subject: new.subject,
                    description: Some(new.description),
                    status: "New".into(),
                    priority: new.priority,
                    origin: Some(new.origin),
                    is_closed: false,
                    created_date: now,
                    last_modified_date: now,
                    closed_date: None,
                    portal_request_id: Some(new.portal_request_id),
                    form_values: new.form_values,
                });
                next_number += 1;
                plans.push((Err(fresh.len() - 1), reply));
            }
        }
        let comments = plan_comments(&state, comment_batch, now);

        let entries: Vec<Entry> = fresh
            .iter()
            .map(|case| Entry::CreateCase { case: case.clone() })
            .chain(statuses.entries())
            .chain(
                comments
                    .fresh
                    .iter()
                    .map(|(account, comment)| Entry::CreateComment {
                        account: account.clone(),
                        comment: comment.clone(),
                    }),
            )
            .collect();
        let written = if entries.is_empty() {
            Ok(())
        } else {
            journal.append(&entries)
        };
        if let Err(err) = written {
            tracing::error!(
                error = format!("{err:#}"),
                "mock store journal write failed"
            );
            // A journal that refuses writes until a restart is an outage (503, retry later),
            // not a bug; readiness says so too. So is a full data directory: nothing of the
            // batch was kept (the journal cut it back), and a retry works once there is room.
            let refusing = journal.is_broken();
            broken.store(refusing, Ordering::Relaxed);
            let full = DataDirFull::find(&err);
            let failure = || match full {
                _ if refusing => PortError::Unavailable(JournalBroken.into()),
                Some(full) => PortError::Unavailable(
                    anyhow::Error::new(full).context("the case journal could not be written"),
                ),
                None => PortError::Internal(anyhow!("the case journal could not be written")),
            };
            for (_, reply) in plans {
                let _ = reply.send(Err(failure()));
            }
            for (_, reply) in comments.plans {
                let _ = reply.send(Err(failure()));
            }
            statuses.fail(failure);
            continue;
        }
        {
            let mut st = state.write().unwrap_or_else(|p| p.into_inner());
            for case in &fresh {
                st.insert_case(case.clone());
            }
            statuses.apply(|case| st.insert_case(case));
            for (account, comment) in &comments.fresh {
                st.insert_comment(
                    Some(account),
                    StoredComment {
                        is_published: true,
                        record: comment.clone(),
                    },
                );
            }
        }
        statuses.answer();
        comments.answer();
        let mut first_reply_for = vec![true; fresh.len()];
        for (plan, reply) in plans {
            let outcome = match plan {
                Ok(record) => UpsertOutcome {
                    record,
                    created: false,
                },
                Err(i) => UpsertOutcome {
                    record: fresh[i].clone(),
                    created: std::mem::replace(&mut first_reply_for[i], false),
                },
            };
            // The caller may have gone away; the case is durable either way.
            let _ = reply.send(Ok(outcome));
        }
    }
}

/// What a batch's comments come to: the new ones (with their account), and for each request
/// its answer: an existing comment, a new one (an index into `fresh`), or a refusal.
struct CommentPlans {
    fresh: Vec<(SalesforceId, CommentRecord)>,
    plans: Vec<(CommentPlan, CommentReply)>,
}

enum CommentPlan {
    Existing(CommentRecord),
    Fresh(usize),
    Refused(PortError),
}

fn plan_comments(
    state: &RwLock<State>,
    batch: Vec<(NewCommentRecord, CommentReply)>,
    now: chrono::DateTime<Utc>,
) -> CommentPlans {
    let st = state.read().unwrap_or_else(|p| p.into_inner());
    let mut fresh: Vec<(SalesforceId, CommentRecord)> = Vec::new();
    let mut plans = Vec::with_capacity(batch.len());
    for (new, reply) in batch {
        // The service checked the case; the store holds to the port's rule regardless.
        let owned = st
            .cases
            .get(&new.case_id)
            .is_some_and(|c| c.account_id == new.account_id);
        if !owned {
            let refused = anyhow!("comment on case {} outside its account", new.case_id);
            plans.push((CommentPlan::Refused(PortError::Internal(refused)), reply));
            continue;
        }
        if let Some(existing) = st.comment_by_reference(&new.case_id, &new.reference) {
            plans.push((CommentPlan::Existing(existing), reply));
            continue;
        }
        let same = |c: &CommentRecord| {
            c.case_id == new.case_id
                && Marker::parse(&c.body).is_some_and(|(m, _)| m.reference == new.reference)
        };
        if let Some(i) = fresh.iter().position(|(_, c)| same(c)) {
            plans.push((CommentPlan::Fresh(i), reply));
            continue;
        }
        let id = loop {
            let id = SalesforceId::generate("00a");
            if !st.comment_ids.contains(&id) && fresh.iter().all(|(_, c)| c.id != id) {
                break id;
            }
        };
        fresh.push((
            new.account_id,
            CommentRecord {
                id,
                case_id: new.case_id,
                body: new.body,
                created_date: now,
                created_by_first_name: None,
            },
        ));
        plans.push((CommentPlan::Fresh(fresh.len() - 1), reply));
    }
    CommentPlans { fresh, plans }
}

impl CommentPlans {
    /// Answers every request once the batch is durable and visible.
    fn answer(self) {
        let mut first_reply_for = vec![true; self.fresh.len()];
        for (plan, reply) in self.plans {
            let outcome = match plan {
                CommentPlan::Existing(record) => Ok(CommentOutcome {
                    record,
                    created: false,
                }),
                CommentPlan::Fresh(i) => Ok(CommentOutcome {
                    record: self.fresh[i].1.clone(),
                    created: std::mem::replace(&mut first_reply_for[i], false),
                }),
                CommentPlan::Refused(err) => Err(err),
            };
            let _ = reply.send(outcome);
        }
    }
}

fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    haystack.to_lowercase().contains(needle_lower)
}

#[async_trait]
impl SalesforcePort for MockStore {
    async fn account(&self, id: &SalesforceId) -> PortResult<Option<Account>> {
        Ok(self.read().accounts.get(id).cloned())
    }

    async fn contact(&self, id: &SalesforceId) -> PortResult<Option<Contact>> {
        Ok(self.read().contacts.get(id).cloned())
    }

    async fn contacts_by_sign_in(&self, value: &str) -> PortResult<Vec<Contact>> {
        let state = self.read();
        // Ids compare in their 18-character form, whichever form either side has.
        let as_id = SalesforceId::parse(value).ok();
        let mut found: Vec<Contact> = state
            .contact_sign_in
            .iter()
            .filter(|(field, _)| {
                field.eq_ignore_ascii_case(value)
                    || as_id
                        .as_ref()
                        .is_some_and(|id| SalesforceId::parse(field).ok().as_ref() == Some(id))
            })
            .filter_map(|(_, id)| state.contacts.get(id).cloned())
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }

    async fn query_cases(
        &self,
        scope: &CaseScope,
        query: &CaseQuery,
    ) -> PortResult<Page<CaseRecord>> {
        let st = self.read();
        let search = query.search.as_deref().map(str::to_lowercase);
        let Some(index) = st.cases_by_account.get(scope.account()) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        Ok(
            index.page(query.sort, query.after.as_ref(), query.limit, |c| {
                let status = match query.status {
                    CaseStatusFilter::Open => !c.is_closed,
                    CaseStatusFilter::Closed => c.is_closed,
                    CaseStatusFilter::All => true,
                };
                let awaiting = match query.awaiting {
                    AwaitingFilter::Any => true,
                    AwaitingFilter::Only(side) => {
                        Awaiting::of(CaseStatus::from_salesforce(&c.status, c.is_closed))
                            == Some(side)
                    }
                };
                status
                    && awaiting
                    && search
                        .as_deref()
                        .is_none_or(|q| contains_ci(&c.subject, q) || c.case_number.contains(q))
                    && st.in_scope(scope, c)
            }),
        )
    }

    async fn case(&self, scope: &CaseScope, id: &SalesforceId) -> PortResult<Option<CaseRecord>> {
        let st = self.read();
        Ok(st
            .cases
            .get(id)
            .filter(|c| st.in_scope(scope, c))
            .map(|c| CaseRecord::clone(c)))
    }

    async fn upsert_case(&self, case: NewCaseRecord) -> PortResult<UpsertOutcome> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Write::Create(case, reply))
            .await
            .map_err(|_| PortError::Internal(anyhow!("the mock store writer has stopped")))?;
        answer
            .await
            .map_err(|_| PortError::Internal(anyhow!("the mock store writer dropped a create")))?
    }

    async fn update_case_status(&self, write: CaseStatusWrite) -> PortResult<Option<CaseRecord>> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Write::Status(write, reply))
            .await
            .map_err(|_| PortError::Internal(anyhow!("the mock store writer has stopped")))?;
        answer.await.map_err(|_| {
            PortError::Internal(anyhow!("the mock store writer dropped a status change"))
        })?
    }

    async fn query_documents(
        &self,
        scope: &DocumentScope,
        query: &DocumentQuery,
    ) -> PortResult<Page<DocumentRecord>> {
        let st = self.read();
        let search = query.search.as_deref().map(str::to_lowercase);
        let Some(index) = st.documents_by_account.get(&scope.account) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        Ok(
            index.page(query.sort, query.after.as_ref(), query.limit, |d| {
                search.as_deref().is_none_or(|q| contains_ci(&d.title, q))
                    && st.document_visible(scope, &d.id)
            }),
        )
    }

    async fn document(
        &self,
        scope: &DocumentScope,
        id: &SalesforceId,
    ) -> PortResult<Option<DocumentRecord>> {
        let st = self.read();
        Ok(st
            .documents_by_account
            .get(&scope.account)
            .and_then(|docs| docs.get(id))
            .filter(|d| st.document_visible(scope, &d.id))
            .cloned())
    }

    async fn version_data(&self, version_id: &SalesforceId) -> PortResult<ContentStream> {
        let fixture = self.read().version_files.get(version_id).cloned();
        let path = fixture
            .or_else(|| self.attachments.file(version_id))
            .ok_or_else(|| anyhow!("no file for ContentVersion {version_id}"))?;
        let file = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("opening {}", path.display()))?;
        let length = file.metadata().await.context("reading file size")?.len();
        Ok(ContentStream {
            length: Some(length),
            body: Box::pin(ReaderStream::with_capacity(file, 64 * 1024)),
        })
    }

    async fn query_attachments(
        &self,
        _account: &SalesforceId,
        case: &SalesforceId,
        query: &DocumentQuery,
    ) -> PortResult<Page<AttachmentRecord>> {
        Ok(self.attachments.page(case, query))
    }

    async fn attachment(
        &self,
        _account: &SalesforceId,
        case: &SalesforceId,
        id: &SalesforceId,
    ) -> PortResult<Option<AttachmentRecord>> {
        Ok(self.attachments.get(case, id))
    }

    async fn upload_attachment(&self, upload: NewAttachment) -> PortResult<AttachmentOutcome> {
        self.attachments.upload(upload).await
    }

    async fn case_comments(
        &self,
        account: &SalesforceId,
        case_id: &SalesforceId,
    ) -> PortResult<Vec<CommentRecord>> {
        let st = self.read();
        if st
            .cases
            .get(case_id)
            .is_none_or(|c| &c.account_id != account)
        {
            return Ok(Vec::new());
        }
        Ok(st
            .comments_by_case
            .get(case_id)
            .map(|list| {
                list.iter()
                    .filter(|c| c.is_published)
                    .take(MAX_CASE_COMMENTS)
                    .map(|c| c.record.clone())
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn create_comment(&self, comment: NewCommentRecord) -> PortResult<CommentOutcome> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Write::Comment(comment, reply))
            .await
            .map_err(|_| PortError::Internal(anyhow!("the mock store writer has stopped")))?;
        answer
            .await
            .map_err(|_| PortError::Internal(anyhow!("the mock store writer dropped a comment")))?
    }
}

impl MockStore {
    /// Only the portal writes to the store, and every write bumps its account's count under
    /// the same lock, so the count is the account's lists' version. Documents never change.
    pub fn list_version(&self, account: &SalesforceId) -> u64 {
        self.read()
            .writes_by_account
            .get(account)
            .copied()
            .unwrap_or(0)
    }
}

#[async_trait]
impl Probe for MockStore {
    async fn check_ready(&self) -> anyhow::Result<()> {
        if self.writer.is_closed() {
            anyhow::bail!("the mock store writer has stopped");
        }
        if self.journal_broken.load(Ordering::Relaxed) {
            return Err(JournalBroken.into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply is in the journal before it is acknowledged: a store opened again on the same
    /// data directory (a restart, `kill -9` included) has it, in place, with its marker, and a
    /// retry with its reference still finds it instead of writing another.
    #[tokio::test]
    async fn replies_survive_a_restart_and_are_found_by_their_reference() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("mocks/salesforce");
        let data = tempfile::tempdir().unwrap();
        let account = SalesforceId::parse("001Dn000V58wd0MIIQ").unwrap();
        let store = MockStore::open(&fixtures, data.path(), "Email").unwrap();
        let case = store
            .query_cases(&CaseScope::Account(account.clone()), &CaseQuery::landing())
            .await
            .unwrap()
            .items[0]
            .id
            .clone();
        let before = store.case_comments(&account, &case).await.unwrap();
        let new = NewCommentRecord {
            account_id: account.clone(),
            case_id: case.clone(),
            body: "[portal:003Dn000O6V0xBhIIJ:0123456789abcdef]\nStill broken.".into(),
            reference: "0123456789abcdef".into(),
        };
        let written = store.create_comment(new.clone()).await.unwrap();
        assert!(written.created);
        drop(store);

        let reopened = MockStore::open(&fixtures, data.path(), "Email").unwrap();
        let after = reopened.case_comments(&account, &case).await.unwrap();
        assert_eq!(after.len(), before.len() + 1);
        assert_eq!(after.last(), Some(&written.record));
        let again = reopened.create_comment(new).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.record, written.record);
        // Nobody else's account reaches the case's conversation.
        let globex = SalesforceId::parse("001Dn0004Ot9nDpIQI").unwrap();
        assert!(
            reopened
                .case_comments(&globex, &case)
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// A store whose journal cannot write or cut back (`/dev/full`) answers creates with
    /// "unavailable" (a 503 for the client), now and for every later create, and reports
    /// itself not ready.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_broken_journal_makes_creates_unavailable_until_restart() {
        let path = Path::new("/dev/full");
        let Ok(file) = std::fs::OpenOptions::new().append(true).open(path) else {
            return;
        };
        let data = tempfile::tempdir().unwrap();
        let attachments = Attachments::open(data.path()).unwrap();
        let store = MockStore::start(
            State::default(),
            Journal::over(file, path),
            1001,
            attachments,
        )
        .unwrap();
        store.check_ready().await.expect("ready before any write");
        for attempt in 0..2 {
            let outcome = store
                .upsert_case(NewCaseRecord {
                    account_id: SalesforceId::parse("001Dn000V58wd0MIIQ").unwrap(),
                    contact_id: None,
                    subject: format!("attempt {attempt}"),
                    description: "d".into(),
                    priority: "Medium".into(),
                    origin: "Web".into(),
                    portal_request_id: format!("r-{attempt}"),
                    form_values: Default::default(),
                })
                .await;
            assert!(
                matches!(outcome, Err(PortError::Unavailable(_))),
                "attempt {attempt}: {outcome:?}"
            );
        }
        let down = store
            .check_ready()
            .await
            .expect_err("not ready after a torn write");
        assert!(down.is::<JournalBroken>(), "{down:#}");
        assert!(
            store.read().cases.is_empty(),
            "nothing became visible or acknowledged"
        );
    }
}
