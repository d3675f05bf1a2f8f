//! `[roles]`: where a person's role (member or manager, decision 031) comes from.

use serde::{Deserialize, Serialize};

use crate::domain::role::Role;

/// The Contact field the `contact_field` source reads (a picklist in the org).
pub const ROLE_FIELD: &str = "Portal_Role__c";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    /// The Contact's `Portal_Role__c`, read at sign-in and again at every authorisation
    /// recheck (`auth.authorization_recheck_secs`): a change in the org applies within it.
    ContactField,
    /// A claim of the OpenID Connect provider's ID token or userinfo (e.g. an Experience
    /// Cloud custom attribute), read at sign-in; local sign-ins fall back to the Contact field.
    OidcClaim,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolesConfig {
    pub source: RoleSource,
    /// The values (of the field or the claim) that make a manager, compared ignoring case.
    pub manager_values: Vec<String>,
    /// The claim read with `source = "oidc_claim"`.
    pub claim: String,
    /// The role of a person whose field or claim is empty or holds another value.
    pub default: Role,
}

impl Default for RolesConfig {
    fn default() -> Self {
        Self {
            source: RoleSource::ContactField,
            manager_values: vec!["Manager".into()],
            claim: "portal_role".into(),
            default: Role::Member,
        }
    }
}

impl RolesConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.manager_values.iter().any(|v| v.trim().is_empty()) {
            return Err("roles.manager_values must not hold an empty value".into());
        }
        if self.source == RoleSource::OidcClaim && self.claim.trim().is_empty() {
            return Err("roles.claim is required with roles.source = \"oidc_claim\"".into());
        }
        Ok(())
    }

    /// The role a field's or claim's value stands for.
    pub fn role_of(&self, value: Option<&str>) -> Role {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v)
                if self
                    .manager_values
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(v)) =>
            {
                Role::Manager
            }
            Some(v) if v.eq_ignore_ascii_case("member") => Role::Member,
            _ => self.default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manager_values_match_ignoring_case_and_anything_else_is_the_default() {
        let config = RolesConfig::default();
        assert_eq!(config.role_of(Some("Manager")), Role::Manager);
        assert_eq!(config.role_of(Some(" manager ")), Role::Manager);
        assert_eq!(config.role_of(Some("Member")), Role::Member);
        assert_eq!(config.role_of(Some("Admin")), Role::Member);
        assert_eq!(config.role_of(None), Role::Member);
        let managers_by_default = RolesConfig {
            default: Role::Manager,
            ..RolesConfig::default()
        };
        assert_eq!(managers_by_default.role_of(None), Role::Manager);
        assert_eq!(managers_by_default.role_of(Some("member")), Role::Member);
    }

    #[test]
    fn an_empty_manager_value_is_refused() {
        let config = RolesConfig {
            manager_values: vec![String::new()],
            ..RolesConfig::default()
        };
        assert!(config.validate().is_err());
    }
}
