//! What stands between a password guesser and the password check: attempt budgets reserved
//! before the check, a cap on checks running at once, and device cookies that keep the real
//! owner signing in while someone else guesses at their account.
//!
//! The policy (docs/SECURITY.md, against OWASP ASVS 5.0 V6.3):
//! - Every attempt **reserves** a unit of each budget that applies before its password is
//!   checked, atomically (one GCRA step in this process or one Lua script in Redis), and gives
//!   it back when the password was right. So however many attempts arrive at once, at most the
//!   budget's worth of wrong passwords are ever checked, and right ones cost nothing.
//! - A browser without a device cookie for the account spends three budgets: its address's
//!   (`login_attempts_per_ip_per_minute`), the account's from that address
//!   (`login_attempts_per_account_per_hour`), and the account's from all addresses together
//!   (`login_attempts_per_account_per_hour_all_clients`, the ceiling against guessing from many
//!   addresses).
//! - A browser that signed in to the account before carries a **device cookie** (signed, bound
//!   to the account's email) and spends only its own budget (`login_attempts_per_account_per_hour`
//!   per device). Someone guessing at the account, or failing behind the same proxy, never
//!   locks the owner's own browsers out.
//! - At most `password_check_concurrency` checks run at once (argon2 takes 19 MiB and a core's
//!   worth of time each); an attempt that waits longer than `password_check_wait_ms` for one is
//!   refused with 503 and `Retry-After`, its reservations given back.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::keys;
use crate::config::AuthConfig;
use crate::error::{ApiError, ApiResult};
use crate::observability::metrics::Metrics;
use crate::shared_state::SharedState;
use crate::shared_state::rate_limit::{Decision, Policy, RateLimitStore, ceil_secs};

/// The device cookie's name (`Path=/auth`: only sign-in reads it).
pub const DEVICE_COOKIE: &str = "portal_device";
/// How long a browser stays a known device of the account it signed in to.
pub const DEVICE_COOKIE_DAYS: i64 = 365;
/// Seconds a client is told to wait when every password check is busy.
const BUSY_RETRY_SECS: u64 = 2;

pub struct SignInGuard {
    per_ip: Arc<dyn RateLimitStore>,
    per_account_client: Arc<dyn RateLimitStore>,
    per_account: Arc<dyn RateLimitStore>,
    checks: Arc<Semaphore>,
    wait: Duration,
    device_key: [u8; 32],
    metrics: Arc<Metrics>,
}

/// The budgets one attempt took; given back when its password was right (or it never got to
/// the check).
pub struct Reservation<'g> {
    taken: Vec<(&'g dyn RateLimitStore, String)>,
    _permit: OwnedSemaphorePermit,
}

impl SignInGuard {
    pub fn new(
        config: &AuthConfig,
        device_key: [u8; 32],
        shared: &SharedState,
        metrics: Arc<Metrics>,
    ) -> Self {
        let concurrency = match config.password_check_concurrency {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let hour = Duration::from_secs(3600);
        let per = |name, n: u32, window| shared.rate_limit(Policy::new(name, n, window, n));
        Self {
            per_ip: per(
                "sign-in-ip",
                config.login_attempts_per_ip_per_minute,
                Duration::from_secs(60),
            ),
            per_account_client: per(
                "sign-in-account-client",
                config.login_attempts_per_account_per_hour,
                hour,
            ),
            per_account: per(
                "sign-in-account",
                config.login_attempts_per_account_per_hour_all_clients,
                hour,
            ),
            checks: Arc::new(Semaphore::new(concurrency)),
            wait: Duration::from_millis(config.password_check_wait_ms),
            device_key,
            metrics,
        }
    }

    /// Reserves what an attempt at `email` from `client` (with the device cookie `device`, if
    /// the browser sent one) needs before its password may be checked: a unit of each budget
    /// and one of the password checks. Refused: 429 (a budget is spent; nothing stays taken)
    /// or 503 (every check busy).
    pub async fn reserve(
        &self,
        email: &str,
        client: IpAddr,
        device: Option<&str>,
    ) -> ApiResult<Reservation<'_>> {
        let keys: Vec<(&dyn RateLimitStore, String)> = match self.device_of(device, email) {
            Some(device) => vec![(
                self.per_account_client.as_ref(),
                format!("device:{device}:{email}"),
            )],
            None => vec![
                (self.per_ip.as_ref(), client.to_string()),
                (
                    self.per_account_client.as_ref(),
                    format!("ip:{client}:{email}"),
                ),
                (self.per_account.as_ref(), email.to_owned()),
            ],
        };
        let mut taken = Vec::with_capacity(keys.len());
        let mut wait = None;
        for (store, key) in keys {
            match store.check(&key).await {
                Ok(Decision::Allowed { .. }) => taken.push((store, key)),
                Ok(Decision::Limited { retry_after }) => {
                    wait = Some(retry_after);
                    break;
                }
                Err(err) => {
                    give_back(&taken).await;
                    return Err(err.into());
                }
            }
        }
        if let Some(wait) = wait {
            give_back(&taken).await;
            tracing::warn!(%client, "sign-in throttled after repeated failures");
            self.metrics.refused("sign_in");
            return Err(ApiError::LoginThrottled {
                retry_after_secs: ceil_secs(wait),
            });
        }
        let permit =
            match tokio::time::timeout(self.wait, Arc::clone(&self.checks).acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                // Timed out, or (never: the semaphore is not closed) closed.
                Ok(Err(_)) | Err(_) => {
                    give_back(&taken).await;
                    tracing::warn!(%client, "sign-in refused: every password check is busy");
                    self.metrics.refused("sign_in_busy");
                    return Err(ApiError::SignInBusy {
                        retry_after_secs: BUSY_RETRY_SECS,
                    });
                }
            };
        Ok(Reservation {
            taken,
            _permit: permit,
        })
    }

    /// The device cookie for a browser that just signed in to `email`: the one it has, when
    /// that is one of this account's, else a new one (a random device id and a MAC binding it
    /// to the account).
    pub fn device_cookie(&self, email: &str, existing: Option<&str>) -> String {
        if let Some(cookie) = existing
            && self.device_of(Some(cookie), email).is_some()
        {
            return cookie.to_owned();
        }
        let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let tag = keys::sign(&self.device_key, &device_message(&id, email));
        format!("{id}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The device id in `cookie`, when it is authentic and bound to `email`.
    fn device_of<'c>(&self, cookie: Option<&'c str>, email: &str) -> Option<&'c str> {
        let (id, tag) = cookie?.split_once('.')?;
        // A device id is 16 random bytes: anything longer is not one of ours.
        if id.len() != 22 {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        keys::verify(&self.device_key, &device_message(id, email), &tag).then_some(id)
    }

    pub fn prune(&self) {
        self.per_ip.prune();
        self.per_account_client.prune();
        self.per_account.prune();
    }
}

impl Reservation<'_> {
    /// The password was right: the attempt costs nothing. (A wrong one keeps what it took:
    /// just drop the reservation.)
    pub async fn succeeded(self) {
        give_back(&self.taken).await;
    }
}

/// Gives reserved units back. A shared store that fails here leaves the unit spent: the
/// attempt errs on the side of the budget, never beyond it.
async fn give_back(taken: &[(&dyn RateLimitStore, String)]) {
    for (store, key) in taken {
        if let Err(err) = store.refund(key).await {
            tracing::warn!(error = %err, "could not give a sign-in attempt back");
        }
    }
}

fn device_message(id: &str, email: &str) -> Vec<u8> {
    format!("device v1\n{id}\n{email}").into_bytes()
}
