//! The caller's request id, sent as `X-Request-Id` on every REST call made within its scope, so a
//! Salesforce call can be matched to the request that caused it.

use std::future::Future;

use reqwest::header::{HeaderName, HeaderValue};

pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Scopes a request id over a future: every REST call the client makes while that future runs
/// carries `X-Request-Id: <id>`.
///
/// The id lives in a [`tokio::task_local!`], not in the client, because it belongs to the
/// caller's task while one [`SalesforceClient`](crate::SalesforceClient) is shared by every
/// task of the process. It follows the future wherever it is polled within that task, so a call
/// made deep inside a cache or retry layer carries it without threading a parameter through.
/// Consequences:
///
/// - A single-flight load (one call shared by concurrent callers) runs in the first caller's
///   task, so it carries the first caller's id; the others wait on it and make no call.
/// - Work moved to another task (`tokio::spawn`) leaves the scope: wrap it in its own
///   [`RequestId::scope`] if its calls should carry the id.
/// - The OAuth token requests are not REST calls and never carry it.
///
/// ```no_run
/// # async fn run(client: salesforce_client::SalesforceClient) -> Result<(), salesforce_client::Error> {
/// use salesforce_client::RequestId;
/// let limits = RequestId::scope("7f3c2a9e".to_owned(), client.limits()).await?;
/// # Ok(())
/// # }
/// ```
pub struct RequestId;

impl RequestId {
    /// Runs `fut` with `id` as the request id of the calls it makes. An id that is empty or not
    /// a valid header value is not sent. Nested scopes shadow the outer one.
    pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
        REQUEST_ID.scope(id, fut).await
    }

    /// The request id in scope, if any.
    pub fn current() -> Option<String> {
        REQUEST_ID.try_with(Clone::clone).ok()
    }

    /// The header value to send, when a non-empty id that is a valid header value is in scope.
    pub(crate) fn header_value() -> Option<HeaderValue> {
        REQUEST_ID
            .try_with(|id| HeaderValue::from_str(id).ok().filter(|v| !v.is_empty()))
            .ok()
            .flatten()
    }
}
