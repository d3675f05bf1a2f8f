//! `Idempotency-Key` handling for case creation.
//!
//! The first request with a key claims it; a second one while the first runs gets 409, one after
//! it gets the same response again (or 422 if its body differs). Records live for a day.
//! Duplicates are also prevented one layer down: the case is created by upsert on an external id
//! derived from the key, so even after a restart, when these records are gone, a retry returns
//! the case it already made.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::salesforce::CaseRecord;

const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

enum Slot {
    InFlight {
        fingerprint: [u8; 32],
    },
    Done {
        fingerprint: [u8; 32],
        case: Box<CaseRecord>,
        expires: Instant,
    },
}

#[derive(Default)]
pub struct IdempotencyStore {
    slots: Mutex<HashMap<String, Slot>>,
}

pub enum Begin {
    /// The key is ours: do the work, then complete the claim.
    Proceed(Claim),
    /// Done before with the same body: answer with this case again.
    Replay(Box<CaseRecord>),
    InFlight,
    Mismatch,
}

impl IdempotencyStore {
    pub fn begin(self: &Arc<Self>, key: String, fingerprint: [u8; 32]) -> Begin {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if slots.len() > 10_000 {
            slots.retain(|_, slot| !matches!(slot, Slot::Done { expires, .. } if *expires <= now));
        }
        match slots.get(&key) {
            Some(Slot::InFlight { fingerprint: fp }) if *fp == fingerprint => Begin::InFlight,
            Some(Slot::InFlight { .. }) => Begin::Mismatch,
            Some(Slot::Done {
                fingerprint: fp,
                case,
                expires,
            }) if *expires > now => {
                if *fp == fingerprint {
                    Begin::Replay(case.clone())
                } else {
                    Begin::Mismatch
                }
            }
            _ => {
                slots.insert(key.clone(), Slot::InFlight { fingerprint });
                Begin::Proceed(Claim {
                    store: Arc::clone(self),
                    key,
                    fingerprint,
                    done: false,
                })
            }
        }
    }
}

/// A claimed key. Dropped without [`Claim::complete`] (an error, or the client went away) it
/// frees the key, so the retry is free to run; the upsert keeps that retry from duplicating.
pub struct Claim {
    store: Arc<IdempotencyStore>,
    key: String,
    fingerprint: [u8; 32],
    done: bool,
}

impl Claim {
    pub fn complete(mut self, case: &CaseRecord) {
        let mut slots = self.store.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.insert(
            self.key.clone(),
            Slot::Done {
                fingerprint: self.fingerprint,
                case: Box::new(case.clone()),
                expires: Instant::now() + RETENTION,
            },
        );
        self.done = true;
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.done {
            let mut slots = self.store.slots.lock().unwrap_or_else(|p| p.into_inner());
            if matches!(slots.get(&self.key), Some(Slot::InFlight { .. })) {
                slots.remove(&self.key);
            }
        }
    }
}
