//! A signed-in person's role within their company (issue 14, decision 031): what of the
//! account's cases they see.
//!
//! - A **member** sees the cases they opened (Case.ContactId) and the cases an agent shared
//!   with them (a CaseTeamMember with them as member).
//! - A **manager** sees every case of the account, may reply to and close or reopen any of
//!   them, and may narrow the list to the cases they opened (`scope=mine`).
//!
//! Documents do not depend on the role: everyone sees the files shared with the account and the
//! files shared with themselves (linked to their Contact), never another contact's own files.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees the cases they opened and those shared with them.
    #[default]
    Member,
    /// Sees, replies to and changes every case of the account.
    Manager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Manager => "manager",
        }
    }

    /// The role a session token states (`rl`); anything else (a token from before roles)
    /// reads as the least privilege.
    pub fn from_claim(value: Option<&str>) -> Self {
        match value {
            Some("manager") => Self::Manager,
            _ => Self::Member,
        }
    }
}

/// Which of the account's cases a case list shows: the `scope` parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CaseListScope {
    /// The person's own cases: for a member, those they opened or that are shared with them;
    /// for a manager, those they opened.
    Mine,
    /// Every case of the account: managers only (a member asking gets 403).
    Company,
    /// Not given: `company` for a manager, `mine` for a member.
    #[default]
    Default,
}

impl CaseListScope {
    /// The values the parameter takes, as the OpenAPI document lists them.
    pub const VALUES: [&'static str; 2] = ["mine", "company"];
}

impl std::str::FromStr for CaseListScope {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" => Ok(Self::Default),
            "mine" => Ok(Self::Mine),
            "company" => Ok(Self::Company),
            _ => Err("Use mine or company."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_without_a_known_role_is_a_member() {
        assert_eq!(Role::from_claim(Some("manager")), Role::Manager);
        assert_eq!(Role::from_claim(Some("member")), Role::Member);
        assert_eq!(Role::from_claim(Some("Manager")), Role::Member);
        assert_eq!(Role::from_claim(None), Role::Member);
    }

    #[test]
    fn the_scope_parameter_takes_mine_company_or_nothing() {
        assert_eq!("mine".parse(), Ok(CaseListScope::Mine));
        assert_eq!("company".parse(), Ok(CaseListScope::Company));
        assert_eq!("".parse(), Ok(CaseListScope::Default));
        assert!("all".parse::<CaseListScope>().is_err());
    }
}
