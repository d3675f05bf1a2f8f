//! The one error of every shared-state store.

/// The shared store could not be reached or answered nonsense.
#[derive(Debug, thiserror::Error)]
#[error("shared state (redis): {0:#}")]
pub struct StoreError(#[from] pub anyhow::Error);

impl From<::redis::RedisError> for StoreError {
    fn from(err: ::redis::RedisError) -> Self {
        Self(anyhow::Error::new(err))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
