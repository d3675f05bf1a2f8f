//! Prometheus metrics, in an explicit registry owned by the application (no global recorder,
//! so several portals in one test process never mix their numbers).

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// The route template (`/customer/{customer_id}/cases`), never the raw path, so ids do
    /// not explode the number of series.
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub operation: String,
    /// `ok`, `error` (Salesforce refused the request), `unavailable` (transient failure or
    /// timeout), `circuit_open`, `budget_guard`.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    /// `account`, `cases`, `documents`...
    pub resource: String,
    /// `hit`, `miss`, `stale` (served past its TTL because Salesforce failed).
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `ok` or `error`.
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    /// `case_create` or `sign_in`.
    pub limit: String,
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

    pub fn salesforce_call(&self, operation: &str, outcome: &str, took: std::time::Duration) {
        self.salesforce_calls
            .get_or_create(&CallLabels {
                operation: operation.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        if outcome == "ok" || outcome == "error" || outcome == "unavailable" {
            self.salesforce_duration
                .get_or_create(&OperationLabels {
                    operation: operation.to_owned(),
                })
                .observe(took.as_secs_f64());
        }
    }

    pub fn set_api_usage(&self, used: u64, limit: u64) {
        self.api_used.set(i64::try_from(used).unwrap_or(i64::MAX));
        self.api_limit.set(i64::try_from(limit).unwrap_or(i64::MAX));
    }

    pub fn cache_lookup(&self, resource: &str, result: &str) {
        self.cache
            .get_or_create(&CacheLabels {
                resource: resource.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    pub fn change_poll(&self, outcome: &str) {
        self.change_polls
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    pub fn refused(&self, limit: &str) {
        self.rate_limited
            .get_or_create(&LimitLabels {
                limit: limit.to_owned(),
            })
            .inc();
    }
}
