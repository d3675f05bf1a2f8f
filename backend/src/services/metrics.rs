//! Prometheus metrics, in an explicit registry owned by the application (no global recorder,
//! so several portals in one test process never mix their numbers).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::http::Method;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

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
    /// `case_create` or `sign_in`.
    pub limit: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to ~8 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

pub struct Metrics {
    registry: Mutex<Registry>,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub http_in_flight: Gauge,
    /// The route templates seen so far, shared by the label sets that name them.
    routes: RwLock<HashSet<Arc<str>>>,
    pub rate_limited: Family<LimitLabels, Counter>,
    pub salesforce_calls: Family<CallLabels, Counter>,
    pub salesforce_duration: Family<OperationLabels, Histogram, fn() -> Histogram>,
    pub cache: Family<CacheLabels, Counter>,
    pub change_polls: Family<OutcomeLabels, Counter>,
    /// 0 closed, 1 half-open, 2 open.
    pub circuit_state: Gauge,
    pub api_used: Gauge,
    pub api_limit: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("portal");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response's headers, by route and method",
            http_duration.clone(),
        );
        let http_in_flight = Gauge::default();
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
        let cache = Family::<CacheLabels, Counter>::default();
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
        Self {
            salesforce_calls,
            salesforce_duration,
            cache,
            change_polls,
            circuit_state,
            api_used,
            api_limit,
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
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        out
    }

    /// One answered HTTP request: `route` is the matched route template, `None` when the
    /// request was answered before routing.
    pub fn http_request(&self, route: Option<&str>, method: &Method, status: u16, took: Duration) {
        let route = self.route_label(route.unwrap_or("unmatched"));
        let method = method_label(method);
        self.http_duration
            .get_or_create(&RouteLabels {
                route: Arc::clone(&route),
                method,
            })
            .observe(took.as_secs_f64());
        self.http_requests
            .get_or_create(&HttpLabels {
                route,
                method,
                status,
            })
            .inc();
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
        self.cache
            .get_or_create(&CacheLabels { resource, result })
            .inc();
    }

    pub fn change_poll(&self, outcome: &'static str) {
        self.change_polls
            .get_or_create(&OutcomeLabels { outcome })
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
