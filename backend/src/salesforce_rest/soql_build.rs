//! Building the adapter's SOQL. Kept apart from the HTTP calls so every query shape is unit
//! tested, and so every value goes through `salesforce_client::soql` quoting in one place.

use chrono::{DateTime, Utc};
use salesforce_client::soql::{datetime, id_literal, like_contains, quote_list, quote_str};

use crate::domain::case::CaseStatus;
use crate::domain::case::Picklists;
use crate::domain::paging::{Direction, Keyset, SortValue};
use crate::salesforce::{
    Awaiting, AwaitingFilter, CaseQuery, CaseSortField, CaseStatusFilter, DocumentQuery,
    DocumentSortField, SalesforceId,
};

pub const CASE_FIELDS: &str = "Id, CaseNumber, AccountId, ContactId, Subject, Description, Status, Priority, \
Origin, IsClosed, CreatedDate, LastModifiedDate, ClosedDate";

pub const LINK_FIELDS: &str = "ContentDocumentId, ContentDocument.Title, ContentDocument.FileExtension, \
ContentDocument.ContentSize, ContentDocument.LatestPublishedVersionId, ContentDocument.CreatedDate, \
ContentDocument.LatestPublishedVersion.PathOnClient";

pub const COMMENT_FIELDS: &str = "Id, ParentId, CommentBody, CreatedDate, CreatedBy.FirstName";

/// The case's public comments, oldest first, only if the case is the account's. Internal
/// comments (`IsPublished = false`) are filtered out in the query itself.
pub fn case_comments(account: &SalesforceId, case: &SalesforceId) -> String {
    format!(
        "SELECT {COMMENT_FIELDS} FROM CaseComment WHERE ParentId = {} AND Parent.AccountId = {} \
         AND IsPublished = true ORDER BY CreatedDate ASC, Id ASC LIMIT {}",
        id(case),
        id(account),
        crate::salesforce::MAX_CASE_COMMENTS
    )
}

/// The case's latest public comments, newest first: where a retried reply looks for the
/// comment its first attempt may have written.
pub fn recent_case_comments(account: &SalesforceId, case: &SalesforceId) -> String {
    format!(
        "SELECT {COMMENT_FIELDS} FROM CaseComment WHERE ParentId = {} AND Parent.AccountId = {} \
         AND IsPublished = true ORDER BY CreatedDate DESC, Id DESC LIMIT 200",
        id(case),
        id(account),
    )
}

fn id(value: &SalesforceId) -> String {
    id_literal(value)
}

fn literal(value: &SortValue) -> String {
    match value {
        SortValue::Number(n) => n.to_string(),
        SortValue::Text(s) => quote_str(s),
        SortValue::Time(t) => datetime(t),
    }
}

fn ops(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::Ascending => ("ASC", ">"),
        Direction::Descending => ("DESC", "<"),
    }
}

/// `(field > :v OR (field = :v AND Id > :id))`: strictly after the keyset in this order.
fn after(field: &str, id_field: &str, keyset: &Keyset, direction: Direction) -> String {
    let (_, cmp) = ops(direction);
    let v = literal(&keyset.value);
    format!(
        "({field} {cmp} {v} OR ({field} = {v} AND {id_field} {cmp} {}))",
        id(&keyset.id)
    )
}

/// [`after`] for a text field that may be null, read as "" (null sorts before any text).
fn after_nullable(field: &str, keyset: &Keyset, direction: Direction) -> String {
    let last = id(&keyset.id);
    let is_null = matches!(&keyset.value, SortValue::Text(t) if t.is_empty());
    match (direction, is_null) {
        (Direction::Ascending, true) => {
            format!("({field} != null OR ({field} = null AND Id > {last}))")
        }
        (Direction::Descending, true) => format!("({field} = null AND Id < {last})"),
        (Direction::Ascending, false) => after(field, "Id", keyset, direction),
        (Direction::Descending, false) => format!(
            "({} OR {field} = null)",
            after(field, "Id", keyset, direction)
        ),
    }
}

/// Which of the account's cases a query reads (decision 031), resolved for SOQL: a member's
/// shared cases are read first (`shared_cases`), as SOQL allows no semi-join under OR.
#[derive(Debug, Clone, Copy)]
pub enum CaseAudience<'a> {
    /// Every case of the account.
    Account,
    /// The cases the contact opened, and those of `shared`.
    Contact {
        contact: &'a SalesforceId,
        shared: &'a [SalesforceId],
    },
}

/// The cases shared with a contact through case teams, within the account: the first step of
/// a member's case query. At most [`MAX_SHARED_CASES`] (a case team is an exception, not how
/// a member normally sees cases).
pub fn shared_cases(account: &SalesforceId, contact: &SalesforceId) -> String {
    format!(
        "SELECT ParentId FROM CaseTeamMember WHERE MemberId = {} AND Parent.AccountId = {} \
         ORDER BY ParentId ASC LIMIT {MAX_SHARED_CASES}",
        id(contact),
        id(account),
    )
}

/// Most cases read as shared with one contact.
pub const MAX_SHARED_CASES: usize = 200;

/// `AccountId = :account`, narrowed to the audience.
pub fn case_audience(account: &SalesforceId, audience: CaseAudience<'_>) -> String {
    let account = format!("AccountId = {}", id(account));
    match audience {
        CaseAudience::Account => account,
        CaseAudience::Contact {
            contact,
            shared: [],
        } => {
            format!("{account} AND ContactId = {}", id(contact))
        }
        CaseAudience::Contact { contact, shared } => {
            let ids: Vec<String> = shared.iter().map(id).collect();
            format!(
                "{account} AND (ContactId = {} OR Id IN ({}))",
                id(contact),
                ids.join(",")
            )
        }
    }
}

pub struct CaseSoql<'a> {
    pub account: &'a SalesforceId,
    pub audience: CaseAudience<'a>,
    pub query: &'a CaseQuery,
    pub picklists: &'a Picklists,
}

/// Which cases a customer's account sees: the one filter the case list and the export share
/// (issue 16), so a visibility rule added here applies to both.
pub fn case_account_filter(account: &SalesforceId) -> String {
    format!("AccountId = {}", id(account))
}

impl CaseSoql<'_> {
    fn filters(&self) -> Vec<String> {
        let mut filters = vec![case_audience(self.account, self.audience)];
        match self.query.status {
            CaseStatusFilter::Open => filters.push("IsClosed = false".into()),
            CaseStatusFilter::Closed => filters.push("IsClosed = true".into()),
            CaseStatusFilter::All => {}
        }
        if let AwaitingFilter::Only(side) = self.query.awaiting {
            let waiting = self
                .picklists
                .status
                .get(&CaseStatus::WaitingOnCustomer)
                .and_then(|values| quote_list(values.iter().map(String::as_str)));
            // Values the mapping does not know (and null) read as in progress: awaiting agent.
            filters.push(match (side, waiting) {
                (Awaiting::Customer, Some(list)) => {
                    format!("IsClosed = false AND Status IN {list}")
                }
                (Awaiting::Customer, None) => "Id = null".into(),
                (Awaiting::Agent, Some(list)) => {
                    format!("IsClosed = false AND (Status NOT IN {list} OR Status = null)")
                }
                (Awaiting::Agent, None) => "IsClosed = false".into(),
            });
        }
        if let Some(q) = &self.query.search {
            let pattern = like_contains(q);
            filters.push(format!(
                "(Subject LIKE {pattern} OR CaseNumber LIKE {pattern})"
            ));
        }
        filters
    }

    fn sort_field(&self) -> &'static str {
        match self.query.sort.field {
            CaseSortField::CreatedAt => "CreatedDate",
            CaseSortField::UpdatedAt => "LastModifiedDate",
            CaseSortField::CaseNumber => "CaseNumber",
            CaseSortField::Subject => "Subject",
            CaseSortField::Priority => "Priority",
            CaseSortField::Status => "Status",
        }
    }

    /// One query for sorts on plain fields.
    pub fn single(&self) -> String {
        let field = self.sort_field();
        let direction = self.query.sort.direction;
        let (dir, _) = ops(direction);
        let mut filters = self.filters();
        // Subject is optional in an org: a case without one reads as "" and sorts before every
        // subject, so nulls come first ascending and last descending, and paging steps over
        // them explicitly (SOQL comparisons are never true for null).
        let nullable = self.query.sort.field == CaseSortField::Subject;
        if let Some(keyset) = &self.query.after {
            filters.push(if nullable {
                after_nullable(field, keyset, direction)
            } else {
                after(field, "Id", keyset, direction)
            });
        }
        let nulls = match (nullable, direction) {
            (false, _) => "",
            (true, Direction::Ascending) => " NULLS FIRST",
            (true, Direction::Descending) => " NULLS LAST",
        };
        format!(
            "SELECT {CASE_FIELDS} FROM Case WHERE {} ORDER BY {field} {dir}{nulls}, Id {dir} LIMIT {}",
            filters.join(" AND "),
            self.query.limit + 1
        )
    }

    /// For picklist sorts: one query per rank in business order, starting at the keyset's
    /// rank, each ordered by Id. `None` for other sorts.
    pub fn buckets(&self) -> Option<Vec<String>> {
        let (field, ranks) = match self.query.sort.field {
            CaseSortField::Priority => ("Priority", self.picklists.priority_buckets()),
            CaseSortField::Status => ("Status", self.picklists.status_buckets()),
            _ => return None,
        };
        let direction = self.query.sort.direction;
        let (dir, cmp) = ops(direction);
        let mut ordered = ranks;
        if direction == Direction::Descending {
            ordered.reverse();
        }
        let start = self.query.after.as_ref().and_then(|k| match k.value {
            SortValue::Number(rank) => Some((rank, &k.id)),
            _ => None,
        });
        let all_known: Vec<&str> = ordered
            .iter()
            .flat_map(|b| b.values.iter().map(String::as_str))
            .collect();
        let mut queries = Vec::new();
        for bucket in &ordered {
            let mut filters = self.filters();
            if let Some((rank, last_id)) = start {
                let before_start = match direction {
                    Direction::Ascending => bucket.rank < rank,
                    Direction::Descending => bucket.rank > rank,
                };
                if before_start {
                    continue;
                }
                if bucket.rank == rank {
                    filters.push(format!("Id {cmp} {}", id(last_id)));
                }
            }
            let mut members = Vec::new();
            if let Some(list) = quote_list(bucket.values.iter().map(String::as_str)) {
                members.push(format!("{field} IN {list}"));
            }
            if let Some(extra) = &bucket.unknown_values {
                // Values the mapping does not know land in a fallback bucket, so a custom
                // picklist value never hides a case from a sorted list.
                let unknown = match quote_list(all_known.iter().copied()) {
                    Some(list) => format!("({field} NOT IN {list} OR {field} = null)"),
                    None => "Id != null".into(),
                };
                members.push(match extra {
                    Some(closed) => format!("({unknown} AND IsClosed = {closed})"),
                    None => unknown,
                });
            }
            if members.is_empty() {
                continue;
            }
            filters.push(format!("({})", members.join(" OR ")));
            queries.push(format!(
                "SELECT {CASE_FIELDS} FROM Case WHERE {} ORDER BY Id {dir} LIMIT {}",
                filters.join(" AND "),
                self.query.limit + 1
            ));
        }
        Some(queries)
    }
}

pub struct DocumentSoql<'a> {
    pub account: &'a SalesforceId,
    /// A contact whose own files (linked to the Contact) are read too (decision 031).
    pub contact: Option<&'a SalesforceId>,
    pub query: &'a DocumentQuery,
}

impl DocumentSoql<'_> {
    pub fn build(&self) -> String {
        self.build_with(LINK_FIELDS)
    }

    /// The same query for other fields (the files linked to a case, with more of their
    /// version's fields). `self.account` is then the record the files are linked to.
    pub fn build_with(&self, fields: &str) -> String {
        let linked = match self.contact {
            None => format!("LinkedEntityId = {}", id(self.account)),
            Some(contact) => format!("LinkedEntityId IN ({},{})", id(self.account), id(contact)),
        };
        let mut filters = vec![
            linked,
            // Only files shared with external users reach the portal.
            "Visibility = 'AllUsers'".to_owned(),
        ];
        if let Some(q) = &self.query.search {
            filters.push(format!("ContentDocument.Title LIKE {}", like_contains(q)));
        }
        let field = match self.query.sort.field {
            DocumentSortField::CreatedAt => "ContentDocument.CreatedDate",
            DocumentSortField::Title => "ContentDocument.Title",
            DocumentSortField::Size => "ContentDocument.ContentSize",
        };
        if let Some(keyset) = &self.query.after {
            filters.push(after(
                field,
                "ContentDocumentId",
                keyset,
                self.query.sort.direction,
            ));
        }
        let (dir, _) = ops(self.query.sort.direction);
        // A file linked to both the account and the contact comes twice, side by side in this
        // order: twice the rows make sure a full page of distinct files is read.
        let rows = match self.contact {
            None => self.query.limit + 1,
            Some(_) => 2 * (self.query.limit + 1),
        };
        format!(
            "SELECT {fields} FROM ContentDocumentLink WHERE {} ORDER BY {field} {dir}, ContentDocumentId {dir} LIMIT {rows}",
            filters.join(" AND "),
        )
    }
}

/// Most rows a change query reads; a full answer means "too much changed to list".
pub const CHANGES_LIMIT: usize = 2_000;

/// Accounts with a case written at or after `since` (one row per case; SOQL's `GROUP BY` would
/// need aggregate results, and a full page is read as "everything").
pub fn changed_case_accounts(since: &DateTime<Utc>) -> String {
    format!(
        "SELECT AccountId FROM Case WHERE SystemModstamp >= {} LIMIT {CHANGES_LIMIT}",
        datetime(since)
    )
}

/// Which of `accounts` had a file link or a linked file written at or after `since`.
pub fn changed_file_links(accounts: &[SalesforceId], since: &DateTime<Utc>) -> String {
    let ids: Vec<String> = accounts.iter().map(id).collect();
    let since = datetime(since);
    format!(
        "SELECT LinkedEntityId FROM ContentDocumentLink WHERE LinkedEntityId IN ({}) \
         AND (SystemModstamp >= {since} OR ContentDocument.SystemModstamp >= {since}) \
         LIMIT {CHANGES_LIMIT}",
        ids.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::paging::Sort;

    #[test]
    fn awaiting_filters_on_the_waiting_on_customer_values() {
        let mut query = cases("-created_at", None, None);
        query.awaiting = AwaitingFilter::Only(Awaiting::Customer);
        let customer = case_soql(&query).single();
        assert!(
            customer.contains(
                "IsClosed = false AND Status IN ('Waiting on Customer','Pending Customer')"
            ),
            "{customer}"
        );
        query.awaiting = AwaitingFilter::Only(Awaiting::Agent);
        let agent = case_soql(&query).single();
        assert!(
            agent.contains(
                "IsClosed = false AND (Status NOT IN ('Waiting on Customer','Pending Customer') \
                 OR Status = null)"
            ),
            "{agent}"
        );
    }

    #[test]
    fn comment_queries_ask_for_the_accounts_published_comments_only() {
        let case = SalesforceId::parse("500Dn000dLkYEzTIQW").unwrap();
        let all = case_comments(&account(), &case);
        assert_eq!(
            all,
            "SELECT Id, ParentId, CommentBody, CreatedDate, CreatedBy.FirstName FROM CaseComment \
             WHERE ParentId = '500Dn000dLkYEzTIQW' AND Parent.AccountId = '001Dn000V58wd0MIIQ' \
             AND IsPublished = true ORDER BY CreatedDate ASC, Id ASC LIMIT 2000"
        );
        let recent = recent_case_comments(&account(), &case);
        assert!(recent.contains("AND IsPublished = true ORDER BY CreatedDate DESC, Id DESC"));
        assert!(recent.contains("Parent.AccountId = '001Dn000V58wd0MIIQ'"));
    }

    fn account() -> SalesforceId {
        SalesforceId::parse("001Dn000V58wd0MIIQ").unwrap()
    }

    /// The account's query under the default picklists.
    fn case_soql(query: &CaseQuery) -> CaseSoql<'_> {
        static PICKLISTS: std::sync::LazyLock<Picklists> =
            std::sync::LazyLock::new(Picklists::default);
        static ACCOUNT: std::sync::LazyLock<SalesforceId> = std::sync::LazyLock::new(account);
        CaseSoql {
            account: &ACCOUNT,
            audience: CaseAudience::Account,
            query,
            picklists: &PICKLISTS,
        }
    }

    /// A member's cases (decision 031): those they opened, or (with shared ids) those too;
    /// the shared ids are read first, in a query of their own.
    #[test]
    fn a_members_cases_are_those_they_opened_or_that_are_shared_with_them() {
        let contact = SalesforceId::parse("003Dn000BJKn1AmIYJ").unwrap();
        let shared = [SalesforceId::parse("500Dn0001euruuWIAQ").unwrap()];
        let own = case_audience(
            &account(),
            CaseAudience::Contact {
                contact: &contact,
                shared: &[],
            },
        );
        assert_eq!(
            own,
            "AccountId = '001Dn000V58wd0MIIQ' AND ContactId = '003Dn000BJKn1AmIYJ'"
        );
        let with_shared = case_audience(
            &account(),
            CaseAudience::Contact {
                contact: &contact,
                shared: &shared,
            },
        );
        assert_eq!(
            with_shared,
            "AccountId = '001Dn000V58wd0MIIQ' AND (ContactId = '003Dn000BJKn1AmIYJ' \
             OR Id IN ('500Dn0001euruuWIAQ'))"
        );
        assert_eq!(
            shared_cases(&account(), &contact),
            "SELECT ParentId FROM CaseTeamMember WHERE MemberId = '003Dn000BJKn1AmIYJ' \
             AND Parent.AccountId = '001Dn000V58wd0MIIQ' ORDER BY ParentId ASC LIMIT 200"
        );
    }

    /// Documents with a contact: the account's and the contact's own links, twice the rows
    /// (a file linked to both comes twice).
    #[test]
    fn a_persons_documents_are_the_accounts_and_their_own() {
        let contact = SalesforceId::parse("003Dn000BJKn1AmIYJ").unwrap();
        let query = DocumentQuery::landing();
        let soql = DocumentSoql {
            account: &account(),
            contact: Some(&contact),
            query: &query,
        }
        .build();
        assert!(
            soql.contains(
                "WHERE LinkedEntityId IN ('001Dn000V58wd0MIIQ','003Dn000BJKn1AmIYJ') \
                 AND Visibility = 'AllUsers' ORDER BY"
            ),
            "{soql}"
        );
        assert!(soql.ends_with("LIMIT 52"), "{soql}");
    }

    /// A position after case `500Dn0001euruuWIAQ`, whose sort key is `value`.
    fn after_case(value: SortValue) -> Option<Keyset> {
        Some(Keyset {
            value,
            id: SalesforceId::parse("500Dn0001euruuWIAQ").unwrap(),
        })
    }

    fn cases(sort: &str, search: Option<&str>, after: Option<Keyset>) -> CaseQuery {
        CaseQuery {
            awaiting: AwaitingFilter::Any,
            status: CaseStatusFilter::Open,
            search: search.map(Into::into),
            sort: Sort::parse(sort).unwrap(),
            after,
            limit: 25,
        }
    }

    #[test]
    fn change_queries_name_the_window_and_the_watched_accounts() {
        let since = chrono::DateTime::parse_from_rfc3339("2026-11-29T10:00:05.250Z")
            .unwrap()
            .with_timezone(&Utc);
        // SOQL datetimes have whole seconds: truncating widens the window, never narrows it.
        assert_eq!(
            changed_case_accounts(&since),
            "SELECT AccountId FROM Case WHERE SystemModstamp >= 2026-11-29T10:00:05Z LIMIT 2000"
        );
        let other = SalesforceId::parse("001Dn000V58wd0NIIQ").unwrap();
        assert_eq!(
            changed_file_links(&[account(), other], &since),
            "SELECT LinkedEntityId FROM ContentDocumentLink \
             WHERE LinkedEntityId IN ('001Dn000V58wd0MIIQ','001Dn000V58wd0NIIQ') \
             AND (SystemModstamp >= 2026-11-29T10:00:05Z \
             OR ContentDocument.SystemModstamp >= 2026-11-29T10:00:05Z) LIMIT 2000"
        );
    }

    #[test]
    fn case_queries_filter_by_account_and_escape_search_text() {
        let query = cases("-created_at", Some("50% off' OR Name != '"), None);
        let soql = case_soql(&query).single();
        assert_eq!(
            soql,
            format!(
                "SELECT {CASE_FIELDS} FROM Case WHERE AccountId = '001Dn000V58wd0MIIQ' AND IsClosed = false \
                 AND (Subject LIKE '%50\\% off\\' OR Name != \\'%' OR CaseNumber LIKE '%50\\% off\\' OR Name != \\'%') \
                 ORDER BY CreatedDate DESC, Id DESC LIMIT 26"
            )
        );
    }

    #[test]
    fn keyset_continues_strictly_after_the_last_row() {
        let after = after_case(SortValue::Text("00001234".into()));
        let query = cases("case_number", None, after);
        let soql = case_soql(&query).single();
        assert!(soql.contains(
            "AND (CaseNumber > '00001234' OR (CaseNumber = '00001234' AND Id > '500Dn0001euruuWIAQ')) \
             ORDER BY CaseNumber ASC, Id ASC LIMIT 26"
        ), "{soql}");
    }

    #[test]
    fn subject_sorts_page_through_cases_without_a_subject() {
        let soql = |sort: &str, subject: &str| {
            let after = after_case(SortValue::Text(subject.into()));
            case_soql(&cases(sort, None, after)).single()
        };
        let asc_null = soql("subject", "");
        assert!(
            asc_null.contains(
                "AND (Subject != null OR (Subject = null AND Id > '500Dn0001euruuWIAQ')) \
             ORDER BY Subject ASC NULLS FIRST, Id ASC"
            ),
            "{asc_null}"
        );
        let asc = soql("subject", "printer");
        assert!(asc.contains(
            "AND (Subject > 'printer' OR (Subject = 'printer' AND Id > '500Dn0001euruuWIAQ')) ORDER BY"
        ), "{asc}");
        let desc = soql("-subject", "printer");
        assert!(desc.contains(
            "AND ((Subject < 'printer' OR (Subject = 'printer' AND Id < '500Dn0001euruuWIAQ')) OR Subject = null) \
             ORDER BY Subject DESC NULLS LAST, Id DESC"
        ), "{desc}");
        let desc_null = soql("-subject", "");
        assert!(
            desc_null.contains("AND (Subject = null AND Id < '500Dn0001euruuWIAQ') ORDER BY"),
            "{desc_null}"
        );
    }

    #[test]
    fn priority_sorts_query_one_bucket_per_rank_in_business_order() {
        let query = cases("-priority", None, None);
        let soql = case_soql(&query).buckets().unwrap();
        assert_eq!(soql.len(), 3);
        assert!(
            soql[0].contains("Priority IN ('High','Critical','Urgent')"),
            "{}",
            soql[0]
        );
        assert!(
            soql[1].contains("Priority IN ('Medium') OR (Priority NOT IN"),
            "{}",
            soql[1]
        );
        assert!(soql[2].contains("Priority IN ('Low')"));
        assert!(
            soql.iter()
                .all(|q| q.ends_with("ORDER BY Id DESC LIMIT 26"))
        );

        // From a cursor in the medium bucket: medium after the id, then low.
        let query = cases("-priority", None, after_case(SortValue::Number(1)));
        let soql = case_soql(&query).buckets().unwrap();
        assert_eq!(soql.len(), 2);
        assert!(soql[0].contains("Id < '500Dn0001euruuWIAQ'") && soql[0].contains("'Medium'"));
        assert!(soql[1].contains("'Low'") && !soql[1].contains("Id <"));
    }

    #[test]
    fn documents_are_only_those_shared_with_external_users() {
        let query = DocumentQuery {
            search: Some("inv".into()),
            sort: Sort::parse("-size").unwrap(),
            after: None,
            limit: 10,
        };
        let soql = DocumentSoql {
            account: &account(),
            contact: None,
            query: &query,
        }
        .build();
        assert!(soql.contains(
            "WHERE LinkedEntityId = '001Dn000V58wd0MIIQ' AND Visibility = 'AllUsers' AND ContentDocument.Title LIKE '%inv%' \
             ORDER BY ContentDocument.ContentSize DESC, ContentDocumentId DESC LIMIT 11"
        ), "{soql}");
    }
}
