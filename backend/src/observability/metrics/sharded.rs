//! Counters, a gauge and a histogram for the series every request writes, spread over one
//! cache line per worker thread.
//!
//! prometheus-client's own types keep one atomic (a counter, a gauge) or one mutex (a
//! histogram) per series. Every request writes the in-flight gauge twice, its route's
//! latency histogram and count and, in Salesforce mode, a cache counter; with the two worker
//! threads serving the same route, each of those writes first pulled the cache line over
//! from the other core. These types give each thread its own line (its shard) and add the
//! shards up when `/metrics` is read. They plug into prometheus-client's families and
//! encoder, which still do the labels, the registry and the text format.
//!
//! A shard is picked per thread, round robin; threads past the number of shards share one,
//! which stays correct (the writes are atomic) and is only slower.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// Shards per series: enough for the worker threads of a machine this portal is meant for;
/// more threads share.
const SHARDS: usize = 8;

/// One value on a cache line of its own (128 bytes: adjacent lines are fetched in pairs).
#[derive(Default)]
#[repr(align(128))]
struct Line<T>(T);

/// The calling thread's shard, given out round robin on the thread's first write.
fn shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|shard| *shard)
}

/// A monotonic counter.
#[derive(Clone, Default, Debug)]
pub struct Counter(Arc<Shards<AtomicU64>>);

impl Counter {
    pub fn inc(&self) {
        self.0.0[shard()].0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0
            .0
            .iter()
            .map(|line| line.0.load(Ordering::Relaxed))
            .sum()
    }
}

impl TypedMetric for Counter {
    const TYPE: MetricType = MetricType::Counter;
}

impl EncodeMetric for Counter {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_counter::<NoLabelSet, _, u64>(&self.get(), None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

/// A gauge that goes up and down by one. One request may go up on one thread's shard and
/// down on another's (the runtime moves tasks between workers): only the sum is the value.
#[derive(Clone, Default, Debug)]
pub struct Gauge(Arc<Shards<AtomicI64>>);

impl Gauge {
    pub fn inc(&self) {
        self.0.0[shard()].0.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dec(&self) {
        self.0.0[shard()].0.fetch_sub(1, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0
            .0
            .iter()
            .map(|line| line.0.load(Ordering::Relaxed))
            .sum()
    }
}

impl TypedMetric for Gauge {
    const TYPE: MetricType = MetricType::Gauge;
}

impl EncodeMetric for Gauge {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_gauge(&self.get())
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

struct Shards<T>([Line<T>; SHARDS]);

impl<T: Default> Default for Shards<T> {
    fn default() -> Self {
        Self(std::array::from_fn(|_| Line::default()))
    }
}

impl<T> std::fmt::Debug for Shards<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shards")
    }
}

/// A histogram with fixed buckets. Its count is the sum of its buckets, so the two always
/// agree; the sum of the observed values may be read a moment before or after them.
#[derive(Clone, Debug)]
pub struct Histogram(Arc<HistogramShards>);

struct HistogramShards {
    /// The buckets' upper bounds, the last one infinite.
    bounds: Box<[f64]>,
    lines: [Line<HistogramShard>; SHARDS],
}

impl std::fmt::Debug for HistogramShards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("bounds", &self.bounds)
            .finish_non_exhaustive()
    }
}

/// The most buckets a histogram has (its last one, for the values above every bound,
/// included). Inline, so that a shard's buckets are on its own cache lines.
const MAX_BUCKETS: usize = 24;

struct HistogramShard {
    /// The sum of the observed values, as `f64` bits.
    sum: AtomicU64,
    /// Observations per bucket (not cumulative), as `bounds`; those past it are unused.
    buckets: [AtomicU64; MAX_BUCKETS],
}

impl Histogram {
    /// Buckets with these upper bounds (ascending), and one for the rest: at most
    /// `MAX_BUCKETS` in all.
    pub fn new(bounds: impl IntoIterator<Item = f64>) -> Self {
        let bounds: Box<[f64]> = bounds
            .into_iter()
            .filter(|bound| bound.is_finite())
            .chain(std::iter::once(f64::INFINITY))
            .collect();
        assert!(bounds.len() <= MAX_BUCKETS, "too many histogram buckets");
        let lines = std::array::from_fn(|_| {
            Line(HistogramShard {
                sum: AtomicU64::new(0f64.to_bits()),
                buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            })
        });
        Self(Arc::new(HistogramShards { bounds, lines }))
    }

    pub fn observe(&self, value: f64) {
        let shards = &*self.0;
        // NaN goes to the last bucket, as in prometheus-client.
        let bucket = shards
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(shards.bounds.len() - 1);
        let shard = &shards.lines[shard()].0;
        shard.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        // Another thread shares this shard only past `SHARDS` threads: the loop is for then.
        let _ = shard
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |sum| {
                Some((f64::from_bits(sum) + value).to_bits())
            });
    }

    /// The sum of the observations, their count, and the count per bucket (upper bound,
    /// observations in it, not cumulative).
    pub fn snapshot(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let shards = &*self.0;
        let mut buckets: Vec<(f64, u64)> = shards.bounds.iter().map(|b| (*b, 0)).collect();
        let mut sum = 0.0;
        for Line(shard) in &shards.lines {
            sum += f64::from_bits(shard.sum.load(Ordering::Relaxed));
            for (total, count) in buckets.iter_mut().zip(&shard.buckets) {
                total.1 += count.load(Ordering::Relaxed);
            }
        }
        let count = buckets.iter().map(|(_, n)| n).sum();
        (sum, count, buckets)
    }
}

impl TypedMetric for Histogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Histogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let (sum, count, buckets) = self.snapshot();
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        Self::TYPE
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;

    use prometheus_client::metrics::{counter, gauge, histogram};
    use prometheus_client::registry::{Metric, Registry};

    use super::{Counter, Gauge, Histogram, SHARDS};

    fn text(counter: impl Metric, gauge: impl Metric, histogram: impl Metric) -> String {
        let mut registry = Registry::default();
        registry.register("requests", "help", counter);
        registry.register("in_flight", "help", gauge);
        registry.register("latency", "help", histogram);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry).unwrap();
        out
    }

    /// Scraped, these read exactly as prometheus-client's own counter, gauge and histogram
    /// given the same values, bucket by bucket.
    #[test]
    fn the_text_format_is_prometheus_clients() {
        let bounds = [0.001, 0.01, 0.1];
        let values = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 7.0];
        let (counter, gauge, histogram) =
            (Counter::default(), Gauge::default(), Histogram::new(bounds));
        let theirs = (
            counter::Counter::<u64>::default(),
            gauge::Gauge::<i64>::default(),
            histogram::Histogram::new(bounds),
        );
        for value in values {
            counter.inc();
            theirs.0.inc();
            histogram.observe(value);
            theirs.2.observe(value);
        }
        gauge.inc();
        gauge.inc();
        gauge.dec();
        theirs.1.inc();
        let ours = text(counter, gauge, histogram);
        let expected = text(theirs.0, theirs.1, theirs.2);
        assert_eq!(ours, expected);
        assert!(ours.contains("latency_bucket{le=\"0.01\"} 3"), "{ours}");
        assert!(ours.contains("requests_total 7"), "{ours}");
    }

    /// More threads than shards write at once, some sharing a shard: nothing is lost.
    #[test]
    fn concurrent_writes_from_more_threads_than_shards_all_count() {
        let counter = Counter::default();
        let gauge = Gauge::default();
        let histogram = Histogram::new([0.5, 1.0, 2.0]);
        let threads = SHARDS * 2 + 1;
        let start = Barrier::new(threads);
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (counter, gauge, histogram, start) = (&counter, &gauge, &histogram, &start);
                scope.spawn(move || {
                    start.wait();
                    for i in 0..1000 {
                        counter.inc();
                        // Half the threads go up, the others down, each on its own shard.
                        if t % 2 == 0 {
                            gauge.dec();
                        } else {
                            gauge.inc();
                        }
                        histogram.observe(f64::from(i % 4));
                    }
                });
            }
        });
        let threads = u64::try_from(threads).unwrap();
        assert_eq!(counter.get(), 1000 * threads);
        // Odd threads went up 1000 each, even ones down 1000 each: there is one more even.
        assert_eq!(gauge.get(), -1000);
        let (sum, count, buckets) = histogram.snapshot();
        assert_eq!(count, 1000 * threads);
        // Per thread, 250 each of 0, 1, 2 and 3: buckets <= 0.5, <= 1, <= 2 and the rest.
        let per_bucket: Vec<u64> = buckets.iter().map(|(_, n)| *n).collect();
        assert_eq!(per_bucket, vec![250 * threads; 4]);
        assert!((sum - 1500.0 * threads as f64).abs() < 1e-6, "{sum}");
        assert!(buckets[3].0.is_infinite());
    }
}
