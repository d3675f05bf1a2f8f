//! Logs and traces.
//!
//! Logs: JSON lines by default (one object per event, with the request span's fields, so every
//! line of a request carries its request id; the span fields are written by
//! `span_fields::JsonSpanFields`, cheaper than tracing-subscriber's own for the span every
//! request opens), or human-readable for local work. The server's
//! lines are formatted on the thread that logs them and written to stderr by a worker thread
//! (`tracing_appender::non_blocking`), so no request waits for a `write` to stderr. When the
//! writer falls behind and its bounded queue is full, lines are dropped, never waited for:
//! they are counted (`portal_log_lines_dropped_total`) and, once the flood ends, one line says
//! how many went; see `docs/decisions/016-logs-dropped-not-waited-for.md`.
//! Traces: with `telemetry.otlp_endpoint` set, spans (each request, with its request id, and
//! the work inside it, Salesforce calls included) are exported over OTLP/HTTP in batches.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use tracing_appender::non_blocking::{ErrorCounter, NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogConfig, LogFormat, TelemetryConfig};

pub mod captured;
mod span_fields;

/// Keeps the log writer and the trace pipeline alive; [`Telemetry::shutdown`] (or dropping
/// it) flushes what is buffered. Keep it until the process ends.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
    /// Dropped last: waits until the log worker has written every line queued before it.
    logs: Option<WorkerGuard>,
    /// Dropping it stops the thread that reports dropped lines.
    drops: Option<mpsc::Sender<()>>,
}

/// Lines the server's log queue could hold before dropping: about 128,000 (tracing-appender's
/// default), a few tens of MB at worst.
const QUEUED_LINES: usize = 128_000;
/// How often dropped lines are looked for; a summary goes out once a look finds no new ones.
const DROP_REPORT_EVERY: Duration = Duration::from_secs(5);

/// The server's dropped-line counter, once its log writer is set up.
static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// Log lines dropped since start because the writer was behind (0 without the server's
/// writer: tests and tools write straight to stderr).
pub fn log_lines_dropped() -> u64 {
    DROPPED
        .get()
        .map_or(0, |c| u64::try_from(c.dropped_lines()).unwrap_or(u64::MAX))
}

/// A log writer that never blocks its caller: lines go through a queue of `lines` to a worker
/// thread that writes them to `sink`; with the queue full a line is dropped and counted in the
/// returned [`ErrorCounter`].
pub fn log_writer<W: std::io::Write + Send + 'static>(
    sink: W,
    lines: usize,
) -> (NonBlocking, WorkerGuard, ErrorCounter) {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(lines)
        .thread_name("portal-log-writer")
        .finish(sink);
    let counter = writer.error_counter();
    (writer, guard, counter)
}

/// Every `every`, looks at `dropped`; once lines were dropped and the last look found no
/// new ones (the flood is over, or paused), calls `report` with how many went since the last
/// report and since start. Stops when `stop`'s sender is dropped.
fn watch_drops(
    dropped: &ErrorCounter,
    every: Duration,
    stop: &mpsc::Receiver<()>,
    mut report: impl FnMut(usize, usize),
) {
    let (mut reported, mut seen) = (0usize, 0usize);
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(every) {
        let now = dropped.dropped_lines();
        if now > reported && now == seen {
            report(now - reported, now);
            reported = now;
        }
        seen = now;
    }
}

/// The summary line after a flood: it goes through the same queue, which has room again.
fn log_drops(dropped: usize, since_start: usize) {
    tracing::warn!(
        dropped,
        dropped_since_start = since_start,
        "log lines dropped: the log writer fell behind"
    );
}

impl Telemetry {
    pub fn shutdown(mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            tracing::warn!(error = %err, "flushing traces failed");
        }
        // The worker writes out every line queued so far, then the guard returns.
        drop(self.drops.take());
        drop(self.logs.take());
    }
}

/// Logs only (tests, tools), written straight to stderr by the thread that logs.
pub fn init(config: &LogConfig) {
    let _ = init_subscriber(config, &TelemetryConfig::default(), false);
}

/// The server's logs and traces; its log lines are written to stderr off the request path.
pub fn init_with(log: &LogConfig, telemetry: &TelemetryConfig) -> anyhow::Result<Telemetry> {
    init_subscriber(log, telemetry, true)
}

fn init_subscriber(
    log: &LogConfig,
    telemetry: &TelemetryConfig,
    off_thread: bool,
) -> anyhow::Result<Telemetry> {
    // Built first: a failure here leaves no log worker behind.
    let provider = match &telemetry.otlp_endpoint {
        Some(endpoint) => {
            let endpoint = if endpoint.trim_end_matches('/').ends_with("/v1/traces") {
                endpoint.clone()
            } else {
                format!("{}/v1/traces", endpoint.trim_end_matches('/'))
            };
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(endpoint)
                .with_headers(Default::default())
                .build()?;
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(
                        Resource::builder()
                            .with_service_name(telemetry.service_name.clone())
                            .build(),
                    )
                    .build(),
            )
        }
        None => None,
    };
    let (targets, env_filter) = filter(&log.filter);
    let (fmt, logs, drops) = if off_thread {
        // Lossy: when the queue is full (the disk or the pipe reading stderr is slower than
        // the requests' logging, or stopped), the line is dropped and counted rather than the
        // request's thread waiting: a flood of bad requests, or a stuck log reader, must not
        // stall every worker (decision 016, superseding 008's waiting). The count is in
        // /metrics and in a line once the flood ends.
        // The worker writes each batch of queued lines through one buffer and flushes it when
        // the queue is empty, so a burst costs a few `write`s rather than one per line.
        let (writer, guard, dropped) =
            log_writer(std::io::BufWriter::new(std::io::stderr()), QUEUED_LINES);
        let _ = DROPPED.set(dropped.clone());
        let (stop, stopped) = mpsc::channel();
        std::thread::Builder::new()
            .name("portal-log-drops".into())
            .spawn(move || watch_drops(&dropped, DROP_REPORT_EVERY, &stopped, log_drops))?;
        (fmt_layer(log.format, writer), Some(guard), Some(stop))
    } else {
        (fmt_layer(log.format, std::io::stderr), None, None)
    };
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("customer-portal")));
    let _ = tracing_subscriber::registry()
        .with(targets)
        .with(env_filter)
        .with(fmt)
        .with(otel)
        .try_init();
    Ok(Telemetry {
        provider,
        logs,
        drops,
    })
}

/// The log filter: a [`Targets`] when the directives name only targets and levels (`info`,
/// `portal=debug,tower_http=info`: the usual kind), else an [`EnvFilter`], which also knows
/// span and field directives (`[request{path=/healthz}]=off`); an invalid filter is `info`.
///
/// A `Targets` decides once per call site. An `EnvFilter` keeps a table of the live spans
/// and takes a lock on it when any span is created, entered, left or closed, which every
/// request does several times, on both worker threads.
fn filter(directives: &str) -> (Option<Targets>, Option<EnvFilter>) {
    // Only what both read alike goes to `Targets`: it would take `[request]` for a target's
    // name, an empty directive (`info,`) for `error`, and `portal=` for `portal=error`.
    let plain = !directives.contains(['[', '{'])
        && directives.split(',').all(|directive| {
            let directive = directive.trim();
            !directive.is_empty() && !directive.ends_with('=')
        });
    if plain && let Ok(targets) = directives.parse::<Targets>() {
        return (Some(targets), None);
    }
    let filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    (None, Some(filter))
}

/// The log line format over a writer.
fn fmt_layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let fmt = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(span_fields::JsonSpanFields)
            .boxed(),
        LogFormat::Pretty => fmt.boxed(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::Subscriber;
    use tracing_subscriber::layer::{Context, SubscriberExt};

    use super::{filter, log_writer, watch_drops};

    /// Notes the target and level of each event that reaches it.
    struct Recorder(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber> tracing_subscriber::Layer<S> for Recorder {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let meta = event.metadata();
            let seen = format!("{} {}", meta.target(), meta.level());
            self.0.lock().unwrap().push(seen);
        }
    }

    /// The events that get through `directives`, of four sent: two from the portal at
    /// debug and info (the second inside a `request` span), two from tower_http.
    fn passed(directives: &str) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (targets, env_filter) = filter(directives);
        let subscriber = tracing_subscriber::registry()
            .with(targets)
            .with(env_filter)
            .with(Recorder(seen.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "portal::cases", "debug");
            tracing::info!(target: "tower_http::trace", "info");
            tracing::debug!(target: "tower_http::trace", "debug");
            tracing::info_span!(target: "portal", "request", path = "/healthz")
                .in_scope(|| tracing::info!(target: "portal::health", "info"));
        });
        seen.lock().unwrap().clone()
    }

    /// A sink whose writes wait until the test opens it: a log reader that stopped reading.
    #[derive(Clone)]
    struct Stuck(Arc<(Mutex<bool>, std::sync::Condvar)>, Arc<Mutex<usize>>);

    impl std::io::Write for Stuck {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (open, changed) = &*self.0;
            let mut open = open.lock().unwrap();
            while !*open {
                open = changed.wait(open).unwrap();
            }
            *self.1.lock().unwrap() += buf.iter().filter(|b| **b == b'\n').count();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stuck_log_sink_drops_and_counts_lines_instead_of_blocking_the_logger() {
        let sink = Stuck(Arc::default(), Arc::default());
        let (writer, guard, dropped) = log_writer(sink.clone(), 100);
        let subscriber = tracing_subscriber::registry()
            .with(super::fmt_layer(crate::config::LogFormat::Json, writer));
        // Logged on another thread, which must finish while the sink is stuck.
        let (done, finished) = std::sync::mpsc::channel();
        let logger = std::thread::spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                for n in 0..1_000 {
                    tracing::warn!(n, "a request refused");
                }
            });
            done.send(()).unwrap();
        });
        finished
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("logging waited for the stuck sink");
        logger.join().unwrap();
        // The worker holds one line in its stuck write and the queue 100: the rest dropped.
        let lost = dropped.dropped_lines();
        assert!((899..=900).contains(&lost), "{lost} dropped");

        // The watcher reports them once a look finds no new ones, and only once.
        let (tell, told) = std::sync::mpsc::channel();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let counter = dropped.clone();
        let watcher = std::thread::spawn(move || {
            watch_drops(
                &counter,
                std::time::Duration::from_millis(5),
                &stopped,
                |n, total| tell.send((n, total)).unwrap(),
            );
        });
        let report = told
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("no report of the dropped lines");
        assert_eq!(report, (lost, lost));
        drop(stop);
        watcher.join().unwrap();
        assert!(told.try_recv().is_err(), "reported twice");

        // Unstuck, the worker writes what it held and queued.
        {
            let (open, changed) = &*sink.0;
            *open.lock().unwrap() = true;
            changed.notify_all();
        }
        drop(guard);
        assert_eq!(*sink.1.lock().unwrap() as u64 + lost as u64, 1_000);
    }

    /// One test, not three: call-site interest and the maximum level are global to the
    /// process, and filtering dispatchers set up at once by parallel tests disturb each other.
    #[test]
    fn each_filter_lets_through_what_its_directives_say() {
        // Targets and levels: a `Targets`.
        assert!(matches!(filter("info"), (Some(_), None)));
        assert_eq!(
            passed("info"),
            ["tower_http::trace INFO", "portal::health INFO"]
        );
        assert!(matches!(filter("info,portal=debug"), (Some(_), None)));
        assert_eq!(
            passed("info,portal=debug"),
            [
                "portal::cases DEBUG",
                "tower_http::trace INFO",
                "portal::health INFO"
            ]
        );
        assert_eq!(passed("warn,tower_http=debug").len(), 2);

        // A span directive: an `EnvFilter`.
        assert!(matches!(filter("warn,[request]=info"), (None, Some(_))));
        assert_eq!(passed("warn,[request]=info"), ["portal::health INFO"]);

        // What `Targets` would read otherwise than `EnvFilter` does: an `EnvFilter`.
        assert!(matches!(filter("info,"), (None, Some(_))));
        assert_eq!(passed("info,"), passed("info"));
        assert!(matches!(filter("info,portal="), (None, Some(_))));
        assert!(matches!(filter(""), (None, Some(_))));

        // Not a filter: `info`.
        assert!(matches!(filter("portal=loud"), (None, Some(_))));
        assert_eq!(
            passed("portal=loud"),
            ["tower_http::trace INFO", "portal::health INFO"]
        );
    }
}
