//! Which of an account's records a read may return (decision 031): passed to the adapters,
//! which filter by it in the query itself (SOQL, the mock store's index walk), never after.

use salesforce_client::SalesforceId;

/// The cases a read may return.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CaseScope {
    /// Every case of the account: the adapters' own reads of a case they were asked to write.
    Account(SalesforceId),
    /// Every case of the account, as a manager (`contact`) sees them; the same cases as
    /// `Account` (the contact only pairs the manager's first case page with their files).
    Company {
        account: SalesforceId,
        contact: SalesforceId,
    },
    /// The cases of the account the contact opened (Case.ContactId): a manager's `scope=mine`.
    Opened {
        account: SalesforceId,
        contact: SalesforceId,
    },
    /// The cases of the account the contact opened or that are shared with them through the
    /// case team (CaseTeamMember.MemberId): a member's view. Salesforce allows no semi-join
    /// under OR, so adapters read the shared case ids first, then the cases.
    Visible {
        account: SalesforceId,
        contact: SalesforceId,
    },
}

impl CaseScope {
    pub fn account(&self) -> &SalesforceId {
        match self {
            Self::Account(account)
            | Self::Company { account, .. }
            | Self::Opened { account, .. }
            | Self::Visible { account, .. } => account,
        }
    }

    /// The contact reading, when a person reads (not an adapter for its own writes).
    pub fn contact(&self) -> Option<&SalesforceId> {
        match self {
            Self::Account(_) => None,
            Self::Company { contact, .. }
            | Self::Opened { contact, .. }
            | Self::Visible { contact, .. } => Some(contact),
        }
    }

    /// The part of a cache key that tells scopes apart: two people see the same entries only
    /// when they see the same cases.
    pub fn key(&self) -> String {
        match self {
            Self::Account(_) | Self::Company { .. } => "account".into(),
            Self::Opened { contact, .. } => format!("opened:{contact}"),
            Self::Visible { contact, .. } => format!("visible:{contact}"),
        }
    }

    /// Whether a case of the account is in the scope, given the cases shared with the contact.
    pub fn admits(
        &self,
        case_account: &SalesforceId,
        case_contact: Option<&SalesforceId>,
        shared: impl FnOnce() -> bool,
    ) -> bool {
        if case_account != self.account() {
            return false;
        }
        match self {
            Self::Account(_) | Self::Company { .. } => true,
            Self::Opened { contact, .. } => case_contact == Some(contact),
            Self::Visible { contact, .. } => case_contact == Some(contact) || shared(),
        }
    }
}

/// The files a document read may return: those shared with the account (linked to the
/// Account) and those shared with the contact alone (linked to their Contact).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentScope {
    pub account: SalesforceId,
    pub contact: SalesforceId,
    /// Whether the contact is a manager: not what files they see (the same either way), but
    /// which cases their first case page shows, fetched with their first files (the landing).
    pub manager: bool,
}

impl DocumentScope {
    /// The cases the contact's case list shows first.
    pub fn landing_cases(&self) -> CaseScope {
        let (account, contact) = (self.account.clone(), self.contact.clone());
        if self.manager {
            CaseScope::Company { account, contact }
        } else {
            CaseScope::Visible { account, contact }
        }
    }
}
