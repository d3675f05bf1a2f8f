//! [`IdempotencyStore`] in this process: correct for a single instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;

use super::{Fingerprint, IdempotencyStore, RETENTION, Started};
use crate::salesforce::CaseRecord;
use crate::shared_state::error::StoreResult;

enum Slot {
    InFlight {
        fingerprint: Fingerprint,
        token: String,
    },
    Done {
        fingerprint: Fingerprint,
        case: Box<CaseRecord>,
        expires: Instant,
    },
}

/// [`IdempotencyStore`] in this process: correct for a single instance.
#[derive(Default)]
pub struct InMemoryIdempotency {
    slots: Mutex<HashMap<String, Slot>>,
    /// Expired records are swept at most once a minute, not on every create.
    next_sweep: Mutex<Option<Instant>>,
}

#[async_trait]
impl IdempotencyStore for InMemoryIdempotency {
    async fn begin(&self, key: &str, body: Fingerprint) -> StoreResult<Started> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let sweep = {
            let mut next = self.next_sweep.lock().unwrap_or_else(|p| p.into_inner());
            match *next {
                Some(at) if at > now => false,
                _ => {
                    *next = Some(now + std::time::Duration::from_secs(60));
                    true
                }
            }
        };
        if sweep {
            slots.retain(|_, slot| !matches!(slot, Slot::Done { expires, .. } if *expires <= now));
        }
        Ok(match slots.get(key) {
            Some(Slot::InFlight {
                fingerprint: fp, ..
            }) if *fp == body => Started::InFlight,
            Some(Slot::InFlight { .. }) => Started::Mismatch,
            Some(Slot::Done {
                fingerprint: fp,
                case,
                expires,
            }) if *expires > now => {
                if *fp == body {
                    Started::Replay(case.clone())
                } else {
                    Started::Mismatch
                }
            }
            _ => {
                let token = uuid::Uuid::new_v4().to_string();
                slots.insert(
                    key.to_owned(),
                    Slot::InFlight {
                        fingerprint: body,
                        token: token.clone(),
                    },
                );
                Started::Claimed { token }
            }
        })
    }

    async fn complete(&self, key: &str, body: Fingerprint, case: &CaseRecord) -> StoreResult<()> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.insert(
            key.to_owned(),
            Slot::Done {
                fingerprint: body,
                case: Box::new(case.clone()),
                expires: Instant::now() + RETENTION,
            },
        );
        Ok(())
    }

    async fn release(&self, key: &str, _fingerprint: Fingerprint, token: &str) -> StoreResult<()> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(slots.get(key), Some(Slot::InFlight { token: t, .. }) if t == token) {
            slots.remove(key);
        }
        Ok(())
    }
}
