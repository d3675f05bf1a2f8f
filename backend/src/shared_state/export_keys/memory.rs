//! [`ExportKeys`] in this process: a map with expiry, pruned as it is written.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::ExportKeys;
use crate::shared_state::error::StoreResult;

#[derive(Default)]
pub struct InMemoryExportKeys {
    keys: Mutex<HashMap<String, (String, Instant)>>,
}

#[async_trait]
impl ExportKeys for InMemoryExportKeys {
    async fn get(&self, key: &str) -> StoreResult<Option<String>> {
        let keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        Ok(keys
            .get(key)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(export, _)| export.clone()))
    }

    async fn claim(&self, key: &str, export: &str, ttl: Duration) -> StoreResult<String> {
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        keys.retain(|_, (_, until)| *until > now);
        Ok(keys
            .entry(key.to_owned())
            .or_insert_with(|| (export.to_owned(), now + ttl))
            .0
            .clone())
    }
}
