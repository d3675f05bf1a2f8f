//! What a session's role lets it see (decision 031): the scopes the services pass to the port,
//! which filters by them in the query itself.

use super::auth::Session;
use crate::domain::role::{CaseListScope, Role};
use crate::error::{ApiError, ApiResult, ProblemText};
use crate::salesforce::{CaseScope, DocumentScope};

impl Session {
    /// The cases this person may open, reply to, attach to or change: every case of the
    /// account for a manager; for a member, those they opened or that are shared with them. A
    /// case outside it is "not found", exactly like one that does not exist.
    pub fn case_scope(&self) -> CaseScope {
        let (account, contact) = (self.account_id.clone(), self.contact_id.clone());
        match self.role {
            Role::Manager => CaseScope::Company { account, contact },
            Role::Member => CaseScope::Visible { account, contact },
        }
    }

    /// The cases a case list shows for its `scope` parameter: a manager's `mine` is the cases
    /// they opened; a member's list is always their own, and asking for the company's is
    /// refused (403), not quietly narrowed.
    pub fn list_scope(&self, scope: CaseListScope) -> ApiResult<CaseScope> {
        match (self.role, scope) {
            (Role::Manager, CaseListScope::Mine) => Ok(CaseScope::Opened {
                account: self.account_id.clone(),
                contact: self.contact_id.clone(),
            }),
            (Role::Member, CaseListScope::Company) => {
                Err(ApiError::Forbidden(ProblemText::CompanyCasesManagersOnly))
            }
            _ => Ok(self.case_scope()),
        }
    }

    /// The files this person sees: the account's, and their own (never another contact's).
    pub fn document_scope(&self) -> DocumentScope {
        DocumentScope {
            account: self.account_id.clone(),
            contact: self.contact_id.clone(),
            manager: self.role == Role::Manager,
        }
    }
}
