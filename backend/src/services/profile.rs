//! The customer's profile (issue 14, decision 032): their details and preferences from the
//! Contact, and the changes they make written back to it. Only the session's own contact is
//! ever read or written: the profile has no id of its own in the path.

use std::sync::Arc;
use std::time::Duration;

use super::auth::Session;
use crate::config::ProfileConfig;
use crate::domain::profile::{Preferences, ProfileChange};
use crate::error::{ApiError, ApiResult, RateLimitInfo, Resource};
use crate::observability::metrics::Metrics;
use crate::salesforce::profile::{ProfilePort, ProfileRecord};
use crate::shared_state::SharedState;
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

pub const POLICY: &str = "profile-update";

pub struct ProfileService {
    port: Arc<dyn ProfilePort>,
    limiter: Arc<dyn RateLimitStore>,
    metrics: Arc<Metrics>,
}

/// A change as written: the profile now, and whether the language changed (the session is
/// then re-issued with it).
pub struct Updated {
    pub profile: ProfileRecord,
    pub language_changed: bool,
    pub rate: Option<RateLimitInfo>,
}

impl ProfileService {
    pub fn new(
        port: Arc<dyn ProfilePort>,
        config: &ProfileConfig,
        metrics: Arc<Metrics>,
        shared: &SharedState,
    ) -> Self {
        Self {
            port,
            metrics,
            limiter: shared.rate_limit(Policy::new(
                POLICY,
                config.rate_limit.per_hour,
                Duration::from_secs(3600),
                config.rate_limit.burst,
            )),
        }
    }

    /// The session's contact's profile. A contact that no longer exists (or left the
    /// account) has none: 404.
    pub async fn get(&self, session: &Session) -> ApiResult<ProfileRecord> {
        match self.port.profile(&session.contact_id).await? {
            Some(profile) if profile.account_id == session.account_id => Ok(profile),
            _ => Err(ApiError::NotFound(Resource::Profile)),
        }
    }

    /// Applies `change` to the session's contact. An empty change writes nothing; a change
    /// that leaves every value as it is writes nothing either (and costs no quota), so a
    /// repeated PATCH is harmless.
    pub async fn update(&self, session: &Session, change: &ProfileChange) -> ApiResult<Updated> {
        let current = self.get(session).await?;
        let next: Preferences = change.apply(&current.preferences);
        if next == current.preferences {
            return Ok(Updated {
                language_changed: current.preferences.language != session.language,
                profile: current,
                rate: None,
            });
        }
        let rate = match self.limiter.check(session.contact_id.as_str()).await? {
            Decision::Allowed { remaining } => self.rate_info(remaining, 0),
            Decision::Limited { retry_after } => {
                tracing::info!(contact = %session.contact_id, "profile change rate-limited");
                self.metrics.refused("profile_update");
                return Err(ApiError::RateLimited(
                    self.rate_info(0, ceil_secs(retry_after)),
                ));
            }
        };
        let profile = match self.port.update_profile(&session.contact_id, &next).await? {
            Some(profile) if profile.account_id == session.account_id => profile,
            _ => return Err(ApiError::NotFound(Resource::Profile)),
        };
        tracing::info!(contact = %session.contact_id, "profile changed");
        Ok(Updated {
            language_changed: profile.preferences.language != session.language,
            profile,
            rate: Some(rate),
        })
    }

    fn rate_info(&self, remaining: u32, reset_secs: u64) -> RateLimitInfo {
        RateLimitInfo::of(POLICY, self.limiter.policy(), remaining, reset_secs)
    }

    pub fn prune(&self) {
        self.limiter.prune();
    }
}
