//! The client: one shared HTTP connection pool, one token cache, typed REST calls.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::{Session, TokenManager, TokenState};
use crate::config::Config;
use crate::error::{ApiError, Error, ErrorCode};
use crate::id::SalesforceId;
use crate::model::{
    ApiUsage, CompositeRequest, CompositeResponse, Limits, QueryOptions, QueryPage, SaveResult,
    UpsertResult, truncate,
};
use crate::request_id::{RequestId, X_REQUEST_ID};
use crate::soql;

mod bulk;
pub use bulk::{BulkJobState, BulkQueryJob, BulkResultsPage};

const SFORCE_CALL_OPTIONS: HeaderName = HeaderName::from_static("sforce-call-options");
const SFORCE_QUERY_OPTIONS: HeaderName = HeaderName::from_static("sforce-query-options");
const SFORCE_LIMIT_INFO: &str = "sforce-limit-info";

/// A Salesforce REST API client. Cloning is cheap and clones share the token and the connection
/// pool, so build one per process and hand clones to tasks.
#[derive(Clone)]
pub struct SalesforceClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    tokens: TokenManager,
    /// `/services/data/vNN.N`
    data_prefix: String,
    call_options: Option<HeaderValue>,
    request_timeout: Duration,
    download_timeout: Duration,
    api_usage: Mutex<Option<ApiUsage>>,
    login_url: String,
}

impl fmt::Debug for SalesforceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SalesforceClient")
            .field("login_url", &self.inner.login_url)
            .field("data_prefix", &self.inner.data_prefix)
            .finish_non_exhaustive()
    }
}

/// Where a call goes, relative to the instance URL.
enum Target {
    /// Path segments after `/services/data/vNN.N`, each escaped, and query pairs.
    Data {
        segments: Vec<String>,
        query: Vec<(&'static str, String)>,
    },
    /// A path Salesforce gave us (`nextRecordsUrl`), already checked to stay under `/services/data/`.
    Path(String),
}

struct Call<'a> {
    operation: &'a str,
    method: Method,
    target: Target,
    body: Option<Vec<u8>>,
    /// A multipart body with a file, built again for each send (see [`FileUpload`]).
    upload: Option<&'a FileUpload>,
    headers: HeaderMap,
    timeout: Duration,
}

/// A file to store as a new ContentVersion: its fields (`Title`, `PathOnClient`,
/// `FirstPublishLocationId`, an external id...) and its content, read from a file on disk.
///
/// Sent in the multipart form Salesforce documents for blob data: the fields as JSON in the
/// `entity_content` part, the content in the `VersionData` part. The content is streamed from
/// the file, never held in memory, and the file is opened again for each send, so a send
/// repeated after a token renewal carries the whole file again.
#[derive(Debug, Clone)]
pub struct FileUpload {
    pub fields: serde_json::Value,
    /// The name sent with the content part (as `PathOnClient` names it).
    pub file_name: String,
    pub path: std::path::PathBuf,
}

impl FileUpload {
    async fn form(&self, operation: &str) -> Result<reqwest::multipart::Form, Error> {
        let upload_error = |source| Error::Upload {
            operation: operation.to_owned(),
            source,
        };
        let file = tokio::fs::File::open(&self.path)
            .await
            .map_err(upload_error)?;
        let length = file.metadata().await.map_err(upload_error)?.len();
        let entity = reqwest::multipart::Part::bytes(serde_json::to_vec(&self.fields).map_err(
            |source| Error::Decode {
                operation: operation.to_owned(),
                source,
            },
        )?)
        .mime_str("application/json")
        .expect("a valid MIME type");
        let content = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
                file,
                64 * 1024,
            )),
            length,
        )
        .file_name(self.file_name.clone())
        .mime_str("application/octet-stream")
        .expect("a valid MIME type");
        Ok(reqwest::multipart::Form::new()
            .part("entity_content", entity)
            .part("VersionData", content))
    }
}

impl SalesforceClient {
    /// Checks the configuration (URL, API version, client name, private key) and builds the
    /// client. No request is made until the first call.
    pub fn new(config: Config) -> Result<Self, Error> {
        let version = config.api_version.trim_start_matches('v');
        let valid_version = version.split_once('.').is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        });
        if !valid_version {
            return Err(Error::Config(format!(
                "API version {:?} is not of the form NN.N",
                config.api_version
            )));
        }
        let call_options = match &config.client_name {
            None => None,
            Some(name) => {
                let valid = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b));
                if !valid {
                    return Err(Error::Config(format!(
                        "client name {name:?} may only hold letters, digits and -_.:/"
                    )));
                }
                Some(
                    HeaderValue::from_str(&format!("client={name}")).map_err(|_| {
                        Error::Config(format!("client name {name:?} is not a valid header value"))
                    })?,
                )
            }
        };
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("salesforce-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        let tokens = TokenManager::new(http.clone(), &config)?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                tokens,
                data_prefix: format!("/services/data/v{version}"),
                call_options,
                request_timeout: config.request_timeout,
                download_timeout: config.download_timeout,
                api_usage: Mutex::new(None),
                login_url: config.login_url.trim_end_matches('/').to_owned(),
            }),
        })
    }

    /// The API usage from the `Sforce-Limit-Info` header of the latest response, if any.
    pub fn api_usage(&self) -> Option<ApiUsage> {
        *self
            .inner
            .api_usage
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Requests a token now rather than on the first call, to fail fast on bad credentials.
    pub async fn authenticate(&self) -> Result<(), Error> {
        self.inner.tokens.session().await.map(|_| ())
    }

    /// What is known of the access token, from the token requests made so far; makes none.
    pub fn token_state(&self) -> TokenState {
        self.inner.tokens.token_state()
    }

    /// The instance URL the token response named (signing in if needed).
    pub async fn instance_url(&self) -> Result<Url, Error> {
        Ok(self.inner.tokens.session().await?.instance_url.clone())
    }

    // ---- Queries ----

    /// Runs a SOQL query and returns its first page. Build `soql` with [`crate::soql`].
    pub async fn query<T: DeserializeOwned>(&self, soql: &str) -> Result<QueryPage<T>, Error> {
        self.query_with(soql, &QueryOptions::default()).await
    }

    /// [`query`](Self::query) with options such as the batch size.
    pub async fn query_with<T: DeserializeOwned>(
        &self,
        soql: &str,
        options: &QueryOptions,
    ) -> Result<QueryPage<T>, Error> {
        let mut headers = HeaderMap::new();
        if let Some(size) = options.batch_size {
            headers.insert(
                SFORCE_QUERY_OPTIONS,
                HeaderValue::from_str(&format!("batchSize={size}")).expect("digits are valid"),
            );
        }
        let call = Call {
            headers,
            ..self.call(
                "query",
                Method::GET,
                Target::Data {
                    segments: vec!["query".into()],
                    query: vec![("q", soql.to_owned())],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        decode(&call, response).await
    }

    /// The next page of a query, from the previous page's `nextRecordsUrl`.
    pub async fn query_more<T: DeserializeOwned>(
        &self,
        next_records_url: &str,
    ) -> Result<QueryPage<T>, Error> {
        let path = self.checked_data_path(next_records_url)?;
        let call = self.call("query more", Method::GET, Target::Path(path));
        let response = self.execute_ok(&call).await?;
        decode(&call, response).await
    }

    /// Runs a query and follows `nextRecordsUrl` until `done`, returning every record.
    pub async fn query_all_pages<T: DeserializeOwned>(
        &self,
        soql: &str,
        options: &QueryOptions,
    ) -> Result<Vec<T>, Error> {
        let mut page: QueryPage<T> = self.query_with(soql, options).await?;
        let mut records = std::mem::take(&mut page.records);
        while !page.done {
            let Some(next) = page.next_records_url.take() else {
                break;
            };
            page = self.query_more(&next).await?;
            records.append(&mut page.records);
        }
        Ok(records)
    }

    // ---- sObjects ----

    /// An sObject's describe (`GET /sobjects/{sobject}/describe`): its fields with their
    /// types, lengths and whether the running user may create or update them.
    pub async fn describe<T: DeserializeOwned>(&self, sobject: &str) -> Result<T, Error> {
        let call = self.call(
            "describe",
            Method::GET,
            Target::Data {
                segments: vec![
                    "sobjects".into(),
                    sobject_name(sobject)?.into(),
                    "describe".into(),
                ],
                query: Vec::new(),
            },
        );
        let response = self.execute(&call).await?;
        let response = check(&call, response).await?;
        decode(&call, response).await
    }

    /// Reads one record; `None` on 404 (no such record, or it was deleted; Salesforce also
    /// answers 404 for an unknown sObject type). `fields` empty means all fields.
    pub async fn retrieve<T: DeserializeOwned>(
        &self,
        sobject: &str,
        id: &SalesforceId,
        fields: &[&str],
    ) -> Result<Option<T>, Error> {
        let mut query = Vec::new();
        if !fields.is_empty() {
            for field in fields {
                ident(field)?;
            }
            query.push(("fields", fields.join(",")));
        }
        let call = self.call(
            "retrieve",
            Method::GET,
            Target::Data {
                segments: vec![
                    "sobjects".into(),
                    sobject_name(sobject)?.into(),
                    id.to_string(),
                ],
                query,
            },
        );
        let response = self.execute(&call).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = check(&call, response).await?;
        decode(&call, response).await.map(Some)
    }

    /// Creates a record and returns its id.
    pub async fn create<B: Serialize + ?Sized>(
        &self,
        sobject: &str,
        record: &B,
    ) -> Result<SalesforceId, Error> {
        let call = Call {
            body: Some(encode("create", record)?),
            ..self.call(
                "create",
                Method::POST,
                Target::Data {
                    segments: vec!["sobjects".into(), sobject_name(sobject)?.into()],
                    query: vec![],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        let result: SaveResult = decode(&call, response).await?;
        save_errors(&call, &result)?;
        Ok(result.id)
    }

    /// Stores a file as a new ContentVersion (a new ContentDocument, linked to
    /// `FirstPublishLocationId` when the fields name one) and returns the version's id. Not
    /// safe to repeat blindly: give the version an external id and look for it before a retry.
    pub async fn create_content_version(&self, upload: &FileUpload) -> Result<SalesforceId, Error> {
        let call = Call {
            upload: Some(upload),
            timeout: self.inner.download_timeout,
            ..self.call(
                "upload ContentVersion",
                Method::POST,
                Target::Data {
                    segments: vec!["sobjects".into(), "ContentVersion".into()],
                    query: vec![],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        let result: SaveResult = decode(&call, response).await?;
        save_errors(&call, &result)?;
        Ok(result.id)
    }

    /// Updates the given fields of a record.
    pub async fn update<B: Serialize + ?Sized>(
        &self,
        sobject: &str,
        id: &SalesforceId,
        fields: &B,
    ) -> Result<(), Error> {
        let call = Call {
            body: Some(encode("update", fields)?),
            ..self.call(
                "update",
                Method::PATCH,
                Target::Data {
                    segments: vec![
                        "sobjects".into(),
                        sobject_name(sobject)?.into(),
                        id.to_string(),
                    ],
                    query: vec![],
                },
            )
        };
        self.execute_ok(&call).await?;
        Ok(())
    }

    /// Creates or updates the record whose external id field `field` holds `value`. Repeating
    /// it is safe: the same value always lands on the same record.
    pub async fn upsert<B: Serialize + ?Sized>(
        &self,
        sobject: &str,
        field: &str,
        value: &str,
        record: &B,
    ) -> Result<UpsertResult, Error> {
        if value.is_empty() {
            return Err(Error::InvalidArgument(
                "the external id value is empty".into(),
            ));
        }
        let call = Call {
            body: Some(encode("upsert", record)?),
            ..self.call(
                "upsert",
                Method::PATCH,
                Target::Data {
                    segments: vec![
                        "sobjects".into(),
                        sobject_name(sobject)?.into(),
                        sobject_name(field)?.into(),
                        value.to_owned(),
                    ],
                    query: vec![],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        let status = response.status();
        if status == StatusCode::NO_CONTENT {
            return Err(Error::UnexpectedStatus {
                operation: call.operation.into(),
                status: status.as_u16(),
                body: "upsert answered without the record id; use API version 46.0 or later".into(),
            });
        }
        let result: SaveResult = decode(&call, response).await?;
        save_errors(&call, &result)?;
        Ok(UpsertResult {
            id: result.id,
            created: result.created.unwrap_or(status == StatusCode::CREATED),
        })
    }

    /// Sends a `/composite` request. Subrequest failures are in the response, not the `Err`:
    /// read each with [`CompositeSubresponse::json`](crate::CompositeSubresponse::json).
    pub async fn composite(&self, request: &CompositeRequest) -> Result<CompositeResponse, Error> {
        let call = Call {
            body: Some(encode("composite", request)?),
            ..self.call(
                "composite",
                Method::POST,
                Target::Data {
                    segments: vec!["composite".into()],
                    query: vec![],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        decode(&call, response).await
    }

    /// Streams a file version's content. The body is never held whole in memory.
    pub async fn download_version_data(
        &self,
        content_version_id: &SalesforceId,
    ) -> Result<Download, Error> {
        let call = Call {
            timeout: self.inner.download_timeout,
            ..self.call(
                "download VersionData",
                Method::GET,
                Target::Data {
                    segments: vec![
                        "sobjects".into(),
                        "ContentVersion".into(),
                        content_version_id.to_string(),
                        "VersionData".into(),
                    ],
                    query: vec![],
                },
            )
        };
        let response = self.execute_ok(&call).await?;
        let headers = response.headers();
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_length = response.content_length();
        let stream = response
            .bytes_stream()
            .map_err(|e| Error::from_reqwest("download VersionData", e))
            .boxed();
        Ok(Download {
            content_length,
            content_type,
            stream,
        })
    }

    /// `GET /limits`.
    pub async fn limits(&self) -> Result<Limits, Error> {
        let call = self.call(
            "limits",
            Method::GET,
            Target::Data {
                segments: vec!["limits".into()],
                query: vec![],
            },
        );
        let response = self.execute_ok(&call).await?;
        decode(&call, response).await
    }

    // ---- URLs for composite subrequests ----

    /// `/services/data/vNN.N/query?q=...` for a composite subrequest.
    pub fn query_url(&self, soql: &str) -> String {
        self.relative_url(&["query"], &[("q", soql)])
    }

    /// `/services/data/vNN.N/sobjects/{sobject}/{id}?fields=...` for a composite subrequest.
    pub fn sobject_url(
        &self,
        sobject: &str,
        id: &SalesforceId,
        fields: &[&str],
    ) -> Result<String, Error> {
        for field in fields {
            ident(field)?;
        }
        let joined = fields.join(",");
        let query: &[(&str, &str)] = if fields.is_empty() {
            &[]
        } else {
            &[("fields", &joined)]
        };
        Ok(self.relative_url(&["sobjects", sobject_name(sobject)?, id.as_str()], query))
    }

    /// `/services/data/vNN.N/sobjects/{sobject}` (create) for a composite subrequest.
    pub fn sobject_collection_url(&self, sobject: &str) -> Result<String, Error> {
        Ok(self.relative_url(&["sobjects", sobject_name(sobject)?], &[]))
    }

    fn relative_url(&self, segments: &[&str], query: &[(&str, &str)]) -> String {
        let mut url = Url::parse("http://relative.invalid").expect("static URL parses");
        url.set_path(&self.inner.data_prefix);
        url.path_segments_mut()
            .expect("http URLs have paths")
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    // ---- Plumbing ----

    fn call<'a>(&self, operation: &'a str, method: Method, target: Target) -> Call<'a> {
        Call {
            operation,
            method,
            target,
            body: None,
            upload: None,
            headers: HeaderMap::new(),
            timeout: self.inner.request_timeout,
        }
    }

    /// Accepts only relative paths under `/services/data/`, so a forged `nextRecordsUrl` can never
    /// send the token to another host.
    fn checked_data_path(&self, path: &str) -> Result<String, Error> {
        let ok = path.starts_with("/services/data/")
            && !path.contains("..")
            && !path.contains('\\')
            && !path.contains('#')
            && !path.bytes().any(|b| b.is_ascii_control() || b == b' ');
        if ok {
            Ok(path.to_owned())
        } else {
            Err(Error::InvalidArgument(format!(
                "{path:?} is not a /services/data/ path"
            )))
        }
    }

    fn url(&self, instance: &Url, target: &Target) -> Result<Url, Error> {
        let mut url = instance.clone();
        match target {
            Target::Data { segments, query } => {
                url.set_path(&self.inner.data_prefix);
                url.path_segments_mut()
                    .map_err(|_| Error::Config("instance URL cannot have a path".into()))?
                    .extend(segments);
                if !query.is_empty() {
                    url.query_pairs_mut().extend_pairs(query);
                }
            }
            Target::Path(path) => {
                url = instance
                    .join(path)
                    .map_err(|e| Error::InvalidArgument(format!("{path:?}: {e}")))?;
            }
        }
        Ok(url)
    }

    /// Sends the call; on 401 `INVALID_SESSION_ID` renews the token once and sends it again.
    /// Any other status is returned as is.
    async fn execute(&self, call: &Call<'_>) -> Result<reqwest::Response, Error> {
        let mut session = self.inner.tokens.session().await?;
        let mut renewed = false;
        loop {
            let response = self.send_once(call, &session).await?;
            if response.status() != StatusCode::UNAUTHORIZED || renewed {
                return Ok(response);
            }
            let body = response
                .bytes()
                .await
                .map_err(|e| Error::from_reqwest(call.operation, e))?;
            let errors: Vec<ApiError> = serde_json::from_slice(&body).unwrap_or_default();
            if !errors
                .iter()
                .any(|e| e.error_code == ErrorCode::InvalidSessionId)
            {
                return Err(error_from_body(call, StatusCode::UNAUTHORIZED, &body));
            }
            tracing::info!(
                operation = call.operation,
                "salesforce session expired; renewing the token"
            );
            session = self.inner.tokens.renew(&session).await?;
            renewed = true;
        }
    }

    async fn execute_ok(&self, call: &Call<'_>) -> Result<reqwest::Response, Error> {
        let response = self.execute(call).await?;
        check(call, response).await
    }

    async fn send_once(
        &self,
        call: &Call<'_>,
        session: &Session,
    ) -> Result<reqwest::Response, Error> {
        let url = self.url(&session.instance_url, &call.target)?;
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", session.access_token.expose())).map_err(
                |_| Error::Config("the access token is not a valid header value".into()),
            )?;
        authorization.set_sensitive(true);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .timeout(call.timeout)
            .headers(call.headers.clone())
            .header(reqwest::header::AUTHORIZATION, authorization)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(options) = &self.inner.call_options {
            request = request.header(SFORCE_CALL_OPTIONS, options.clone());
        }
        // The caller's request id, when it scoped one (see `RequestId`).
        if let Some(request_id) = RequestId::header_value() {
            request = request.header(X_REQUEST_ID, request_id);
        }
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        if let Some(upload) = call.upload {
            request = request.multipart(upload.form(call.operation).await?);
        }
        let started = Instant::now();
        let result = request.send().await;
        let duration_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(response) => {
                let usage = response
                    .headers()
                    .get(SFORCE_LIMIT_INFO)
                    .and_then(|v| v.to_str().ok())
                    .and_then(ApiUsage::parse_header);
                if let Some(usage) = usage {
                    *self
                        .inner
                        .api_usage
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(usage);
                }
                tracing::info!(
                    operation = call.operation,
                    method = %call.method,
                    status = response.status().as_u16(),
                    duration_ms,
                    api_used = usage.map(|u| u.used),
                    api_limit = usage.map(|u| u.limit),
                    "salesforce call"
                );
                Ok(response)
            }
            Err(e) => {
                let error = Error::from_reqwest(call.operation, e);
                tracing::warn!(
                    operation = call.operation,
                    method = %call.method,
                    duration_ms,
                    error = %error,
                    transient = error.is_transient(),
                    "salesforce call failed"
                );
                Err(error)
            }
        }
    }
}

/// Passes 2xx responses through; turns anything else into a typed error.
async fn check(call: &Call<'_>, response: reqwest::Response) -> Result<reqwest::Response, Error> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::from_reqwest(call.operation, e))?;
    Err(error_from_body(call, status, &body))
}

fn error_from_body(call: &Call<'_>, status: StatusCode, body: &[u8]) -> Error {
    match serde_json::from_slice::<Vec<ApiError>>(body) {
        Ok(errors) if !errors.is_empty() => Error::Api {
            operation: call.operation.into(),
            status: status.as_u16(),
            errors,
        },
        _ => Error::UnexpectedStatus {
            operation: call.operation.into(),
            status: status.as_u16(),
            body: truncate(&String::from_utf8_lossy(body)),
        },
    }
}

async fn decode<T: DeserializeOwned>(
    call: &Call<'_>,
    response: reqwest::Response,
) -> Result<T, Error> {
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::from_reqwest(call.operation, e))?;
    serde_json::from_slice(&body).map_err(|source| Error::Decode {
        operation: call.operation.into(),
        source,
    })
}

fn encode<B: Serialize + ?Sized>(operation: &str, body: &B) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|source| Error::Decode {
        operation: operation.into(),
        source,
    })
}

fn save_errors(call: &Call<'_>, result: &SaveResult) -> Result<(), Error> {
    if result.success == Some(false) || !result.errors.is_empty() {
        return Err(Error::Api {
            operation: call.operation.into(),
            status: 200,
            errors: result.errors.clone(),
        });
    }
    Ok(())
}

fn ident(name: &str) -> Result<&str, Error> {
    soql::ident(name).map_err(|e| Error::InvalidArgument(e.to_string()))
}

/// An object or field API name: one identifier, no relationship path.
fn sobject_name(name: &str) -> Result<&str, Error> {
    if name.contains('.') {
        return Err(Error::InvalidArgument(format!(
            "{name:?} is not an API name"
        )));
    }
    ident(name)
}

/// A file's content arriving in chunks, with what the response said about its size and type.
pub struct Download {
    content_length: Option<u64>,
    content_type: Option<String>,
    stream: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
}

impl Download {
    /// The `Content-Length` Salesforce sent, if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_length", &self.content_length)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl Stream for Download {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}
