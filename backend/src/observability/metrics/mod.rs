//! Prometheus metrics, in an explicit registry owned by the application (no global recorder,
//! so several portals in one test process never mix their numbers).

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::LocalKey;
use std::time::Duration;

use axum::http::Method;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

mod sharded;

// Label values are `'static` strings or shared ones: every request records its metrics, and a
// label set that owned its strings cost four allocations per request.

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The route template (`/customer/{customer_id}/cases`), never the raw path, so ids do
    /// not explode the number of series.
    pub route: Arc<str>,
    /// One of the standard methods, or `other`: a client cannot add series by inventing them.
    pub method: &'static str,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: Arc<str>,
    pub method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub operation: &'static str,
    /// `ok`, `error` (Salesforce refused the request), `unavailable` (transient failure or
    /// timeout), `circuit_open`, `budget_guard`.
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    /// `account`, `cases`, `documents`...
    pub resource: &'static str,
    /// `hit`, `miss`, `stale` (served past its TTL because Salesforce failed).
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `ok` or `error`.
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    /// `case_create`, `case_status` (closes and reopens), `sign_in` (a throttle),
    /// `sign_in_busy` (every password check busy).
    pub limit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    /// Why a download link was refused: `malformed`, `no_session`, `invalid_signature`,
    /// `expired`, `contact_changed`.
    pub reason: &'static str,
}

/// Latency buckets: 0.25 ms to ~8 s.
fn latency_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.000_25, 2.0, 16)
}

fn latency_histogram() -> Histogram {
    Histogram::new(latency_buckets())
}

fn request_latency_histogram() -> sharded::Histogram {
    sharded::Histogram::new(latency_buckets())
}

pub struct Metrics {
    /// Tells this registry's series apart from another's in the per-thread handles
    /// ([`LocalSeries`]): tests run several portals in one process.
    id: u64,
    registry: Mutex<Registry>,
    // The series every request writes are of the `sharded` kind (a cache line per worker
    // thread); the others are prometheus-client's own.
    pub http_requests: Family<HttpLabels, sharded::Counter>,
    pub http_duration: Family<RouteLabels, sharded::Histogram, fn() -> sharded::Histogram>,
    pub http_in_flight: sharded::Gauge,
    /// The route templates seen so far, shared by the label sets that name them.
    routes: RwLock<HashSet<Arc<str>>>,
    pub rate_limited: Family<LimitLabels, Counter>,
    pub salesforce_calls: Family<CallLabels, Counter>,
    pub salesforce_duration: Family<OperationLabels, Histogram, fn() -> Histogram>,
    pub cache: Family<CacheLabels, sharded::Counter>,
    pub change_polls: Family<OutcomeLabels, Counter>,
    /// Passwords checked (argon2), by outcome `match` / `mismatch`.
    pub password_checks: Family<OutcomeLabels, Counter>,
    /// Download links refused, by reason (they are not audited: see `services/audit.rs`).
    pub download_refusals: Family<ReasonLabels, Counter>,
    /// Notification mails by outcome (`sent`, `failed`, `already_sent`, `not_wanted`) and
    /// notification polls by outcome (`ok`, `error`); decision 034.
    pub notifications: Family<OutcomeLabels, Counter>,
    pub notification_polls: Family<OutcomeLabels, Counter>,
    /// 0 closed, 1 half-open, 2 open.
    pub circuit_state: Gauge,
    pub api_used: Gauge,
    pub api_limit: Gauge,
    /// Follows `telemetry::log_lines_dropped` at each scrape.
    log_lines_dropped: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("portal");
        let http_requests = Family::<HttpLabels, sharded::Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<RouteLabels, sharded::Histogram, fn() -> sharded::Histogram>::new_with_constructor(
                request_latency_histogram,
            );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's headers, by route and method",
            http_duration.clone(),
        );
        let http_in_flight = sharded::Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "Requests being served",
            http_in_flight.clone(),
        );
        let rate_limited = Family::<LimitLabels, Counter>::default();
        registry.register(
            "rate_limit_refusals",
            "Requests refused by a rate limit or sign-in throttle",
            rate_limited.clone(),
        );
        let salesforce_calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "salesforce_calls",
            "Salesforce calls by operation and outcome",
            salesforce_calls.clone(),
        );
        let salesforce_duration =
            Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "salesforce_call_duration_seconds",
            "Salesforce call latency by operation",
            salesforce_duration.clone(),
        );
        let cache = Family::<CacheLabels, sharded::Counter>::default();
        registry.register(
            "cache_lookups",
            "Cache lookups by resource and result",
            cache.clone(),
        );
        let change_polls = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "cache_change_polls",
            "Polls asking Salesforce which accounts changed, by outcome",
            change_polls.clone(),
        );
        let password_checks = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "password_checks",
            "Passwords checked at sign-in, by outcome (match or mismatch)",
            password_checks.clone(),
        );
        let download_refusals = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "download_refusals",
            "Download links refused, by reason",
            download_refusals.clone(),
        );
        let notifications = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "notifications",
            "Notification mails on agent replies and status changes, by outcome",
            notifications.clone(),
        );
        let notification_polls = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "notification_polls",
            "Polls for agent activity to notify customers of, by outcome",
            notification_polls.clone(),
        );
        let circuit_state = Gauge::default();
        registry.register(
            "salesforce_circuit_state",
            "Salesforce circuit: 0 closed, 1 half-open, 2 open",
            circuit_state.clone(),
        );
        let api_used = Gauge::default();
        registry.register(
            "salesforce_api_used",
            "Daily API requests used (Sforce-Limit-Info)",
            api_used.clone(),
        );
        let api_limit = Gauge::default();
        registry.register(
            "salesforce_api_limit",
            "Daily API request allocation",
            api_limit.clone(),
        );
        let log_lines_dropped = Counter::default();
        registry.register(
            "log_lines_dropped",
            "Log lines dropped because the log writer was behind (its queue full)",
            log_lines_dropped.clone(),
        );
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            salesforce_calls,
            salesforce_duration,
            cache,
            change_polls,
            password_checks,
            download_refusals,
            notifications,
            notification_polls,
            circuit_state,
            api_used,
            api_limit,
            log_lines_dropped,
            registry: Mutex::new(registry),
            http_requests,
            http_duration,
            http_in_flight,
            routes: RwLock::default(),
            rate_limited,
        }
    }
}

impl Metrics {
    /// The registry in the Prometheus/OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        // Under the registry's lock: two scrapes never add the same drops twice.
        let dropped = super::telemetry::log_lines_dropped();
        self.log_lines_dropped
            .inc_by(dropped.saturating_sub(self.log_lines_dropped.get()));
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }

    /// One answered HTTP request: `route` is the matched route template, `None` when the
    /// request was answered before routing.
    pub fn http_request(&self, route: Option<&str>, method: &Method, status: u16, took: Duration) {
        let route = route.unwrap_or("unmatched");
        let method = method_label(method);
        record_local(
            &HTTP_SERIES,
            self.id,
            (route, method, status),
            |kept, (route, method, status)| {
                kept.2 == status && kept.1 == method && &*kept.0 == route
            },
            |(route, method, status)| {
                let label = self.route_label(route);
                let duration = self.http_duration.get_or_create_owned(&RouteLabels {
                    route: Arc::clone(&label),
                    method,
                });
                let requests = self.http_requests.get_or_create_owned(&HttpLabels {
                    route: Arc::clone(&label),
                    method,
                    status,
                });
                ((label, method, status), (duration, requests))
            },
            |(duration, requests)| {
                duration.observe(took.as_secs_f64());
                requests.inc();
            },
        );
    }

    /// The shared label value for a route template. Templates come from the router's table,
    /// never from a raw path, so this set stays as small as the router.
    fn route_label(&self, route: &str) -> Arc<str> {
        if let Some(known) = self
            .routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(route)
        {
            return Arc::clone(known);
        }
        let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = routes.get(route) {
            return Arc::clone(known);
        }
        let label: Arc<str> = Arc::from(route);
        routes.insert(Arc::clone(&label));
        label
    }

    pub fn salesforce_call(&self, operation: &'static str, outcome: &'static str, took: Duration) {
        self.salesforce_calls
            .get_or_create(&CallLabels { operation, outcome })
            .inc();
        if outcome == "ok" || outcome == "error" || outcome == "unavailable" {
            self.salesforce_duration
                .get_or_create(&OperationLabels { operation })
                .observe(took.as_secs_f64());
        }
    }

    pub fn set_api_usage(&self, used: u64, limit: u64) {
        self.api_used.set(i64::try_from(used).unwrap_or(i64::MAX));
        self.api_limit.set(i64::try_from(limit).unwrap_or(i64::MAX));
    }

    pub fn cache_lookup(&self, resource: &'static str, result: &'static str) {
        record_local(
            &CACHE_SERIES,
            self.id,
            (resource, result),
            |kept, key| *kept == key,
            |key @ (resource, result)| {
                let counter = self
                    .cache
                    .get_or_create_owned(&CacheLabels { resource, result });
                (key, counter)
            },
            |counter| {
                counter.inc();
            },
        );
    }

    pub fn change_poll(&self, outcome: &'static str) {
        self.change_polls
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn notification(&self, outcome: &'static str) {
        self.notifications
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn notification_poll(&self, outcome: &'static str) {
        self.notification_polls
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn password_check(&self, matched: bool) {
        let outcome = if matched { "match" } else { "mismatch" };
        self.password_checks
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn download_refused(&self, reason: &'static str) {
        self.download_refusals
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    pub fn refused(&self, limit: &'static str) {
        self.rate_limited
            .get_or_create(&LimitLabels { limit })
            .inc();
    }
}

/// The method as a label value: the standard ones by name, anything else as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// Each worker thread's own handles on the series it has recorded into, for the metrics
/// that every request records (its route's latency and count, in Salesforce mode its cache
/// lookups). Finding a series in its family takes the family's lock and hashes the labels;
/// with every worker doing that for each request, on the same locks, contention costs more
/// than the counting itself (decision 013 has the measurements). Here a thread
/// finds its handle in a short list of its own, and writes to its own shard of the series
/// (`sharded`).
///
/// Entries name their registry by [`Metrics::id`] and keep their labels, so a handle is
/// never taken for another registry's or another route's series. A list is emptied when
/// full (more series than a route table makes), and refills. Series are never removed from
/// these families: a handle kept here on a removed series would count where nobody reads.
type LocalSeries<K, M> = RefCell<Vec<(u64, K, M)>>;

/// How many series a thread keeps handles on, per kind.
const LOCAL_SERIES: usize = 64;

thread_local! {
    static HTTP_SERIES: LocalSeries<(Arc<str>, &'static str, u16), (sharded::Histogram, sharded::Counter)> =
        const { RefCell::new(Vec::new()) };
    static CACHE_SERIES: LocalSeries<(&'static str, &'static str), sharded::Counter> =
        const { RefCell::new(Vec::new()) };
}

/// Records into this thread's handle on the series of registry `id` that `key` names, first
/// taking it from its family (`make`, which also returns the key to keep) when the thread
/// has none. Once the thread is exiting, `make` is used each time.
fn record_local<Q: Copy, K, M>(
    series: &'static LocalKey<LocalSeries<K, M>>,
    id: u64,
    key: Q,
    is: impl Fn(&K, Q) -> bool,
    make: impl Fn(Q) -> (K, M),
    record: impl Fn(&M),
) {
    let kept = series.try_with(|entries| {
        let mut entries = entries.borrow_mut();
        if let Some((_, _, handle)) = entries.iter().find(|(i, k, _)| *i == id && is(k, key)) {
            return record(handle);
        }
        let (kept, handle) = make(key);
        record(&handle);
        if entries.len() == LOCAL_SERIES {
            entries.clear();
        }
        entries.push((id, kept, handle));
    });
    if kept.is_err() {
        record(&make(key).1);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::Method;

    use super::{HTTP_SERIES, LOCAL_SERIES, Metrics};

    #[test]
    fn dropped_log_lines_are_a_counter_in_the_text() {
        // Without the server's log writer (unit tests log nowhere) nothing is dropped.
        let text = Metrics::default().render();
        assert!(
            text.contains(
                "# TYPE portal_log_lines_dropped counter\nportal_log_lines_dropped_total 0\n"
            ),
            "{text}"
        );
    }

    fn count(metrics: &Metrics, series: &str) -> u64 {
        let rendered = metrics.render();
        rendered
            .lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in {rendered}"))
    }

    /// Two registries recorded into from one thread (as two portals in one test process):
    /// each counts only its own requests and cache lookups, though the thread keeps handles
    /// on both.
    #[test]
    fn each_registry_counts_its_own_requests_on_a_shared_thread() {
        let (one, two) = (Metrics::default(), Metrics::default());
        let took = Duration::from_millis(2);
        for _ in 0..3 {
            one.http_request(Some("/cases"), &Method::GET, 200, took);
            one.cache_lookup("cases", "hit");
        }
        two.http_request(Some("/cases"), &Method::GET, 200, took);
        two.http_request(Some("/cases"), &Method::POST, 200, took);
        two.http_request(Some("/cases"), &Method::POST, 200, took);
        two.http_request(Some("/cases"), &Method::GET, 404, took);
        two.http_request(None, &Method::from_bytes(b"BREW").unwrap(), 405, took);
        two.cache_lookup("cases", "miss");

        let get = r#"portal_http_requests_total{route="/cases",method="GET",status="200"}"#;
        assert_eq!(count(&one, get), 3);
        assert_eq!(count(&two, get), 1);
        let post = r#"portal_http_requests_total{route="/cases",method="POST",status="200"}"#;
        assert_eq!(count(&two, post), 2);
        assert!(!one.render().contains(r#"method="POST""#));
        let missing = r#"portal_http_requests_total{route="/cases",method="GET",status="404"}"#;
        assert_eq!(count(&two, missing), 1);
        assert!(!one.render().contains("status=\"404\""));
        let odd = r#"portal_http_requests_total{route="unmatched",method="other",status="405"}"#;
        assert_eq!(count(&two, odd), 1);
        let hits = r#"portal_cache_lookups_total{resource="cases",result="hit"}"#;
        assert_eq!(count(&one, hits), 3);
        assert!(!two.render().contains(r#"result="hit""#));
        let duration = r#"portal_http_request_duration_seconds_count{route="/cases",method="GET"}"#;
        assert_eq!(count(&one, duration), 3);
        assert_eq!(count(&two, duration), 2);
        let duration =
            r#"portal_http_request_duration_seconds_count{route="/cases",method="POST"}"#;
        assert_eq!(count(&two, duration), 2);
    }

    /// More series than a thread keeps handles on: every request is still counted once, in
    /// its own series, while the thread's list is emptied and refilled.
    #[test]
    fn more_series_than_a_thread_keeps_are_all_counted() {
        let metrics = Metrics::default();
        let routes: Vec<String> = (0..LOCAL_SERIES * 2 + 3)
            .map(|i| format!("/r{i}"))
            .collect();
        for round in 0..3 {
            for route in &routes {
                metrics.http_request(Some(route), &Method::POST, 201, Duration::ZERO);
            }
            assert_eq!(
                count(
                    &metrics,
                    r#"portal_http_requests_total{route="/r7",method="POST",status="201"}"#
                ),
                round + 1
            );
        }
        let kept = HTTP_SERIES.with(|entries| entries.borrow().len());
        assert!(kept <= LOCAL_SERIES, "the thread keeps {kept} handles");
        for route in &routes {
            let series = format!(
                r#"portal_http_requests_total{{route="{route}",method="POST",status="201"}}"#
            );
            assert_eq!(count(&metrics, &series), 3, "{route}");
        }
    }
}
