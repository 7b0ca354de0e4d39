//! Look-ups (by member, or by season and member) that arrive together,
//! sent to the store as one query.
//!
//! A crowd that queues at once (an organizer's 20:00 start) asks for
//! thousands of ratings within a second. One query each costs a round trip
//! to a database connection's thread or socket apiece, and they wait in
//! line for the pool. The loader answers every look-up that arrived while
//! the previous query ran with the next one: alone, a look-up costs what
//! it did; in a crowd, hundreds share a query. Nothing waits on purpose.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::store::{StoreError, StoreResult};

/// Look-ups per query, at most.
const MAX_BATCH: usize = 500;
/// Look-ups waiting for the loader, at most. Each comes from a request a
/// connection is awaiting (under its own timeout), so this is reached only
/// when the database falls far behind; further callers then wait for room.
const QUEUE_CAPACITY: usize = 8 * MAX_BATCH;

/// What a look-up gets: the value, `None` when the store has none for the
/// id, or the store's error (shared by every look-up of the failed query).
pub type Loaded<V> = Result<Option<V>, Arc<StoreError>>;

/// Fetches the values of a batch of keys (sorted, each once): those it
/// has, by key.
pub type Fetch<K, V> =
    Box<dyn Fn(Vec<K>) -> BoxFuture<'static, StoreResult<HashMap<K, V>>> + Send + Sync>;

type Request<K, V> = (K, oneshot::Sender<Loaded<V>>);

pub struct BatchLoader<K, V> {
    requests: mpsc::Sender<Request<K, V>>,
}

impl<K, V> BatchLoader<K, V>
where
    K: Copy + Ord + Hash + Send + 'static,
    V: Clone + Send + 'static,
{
    /// Starts the loader's task; it ends at `shutdown` or when the loader
    /// is dropped.
    pub fn spawn(fetch: Fetch<K, V>, shutdown: CancellationToken) -> BatchLoader<K, V> {
        let (tx, mut rx) = mpsc::channel::<Request<K, V>>(QUEUE_CAPACITY);
        tokio::spawn(async move {
            let mut batch: Vec<Request<K, V>> = Vec::new();
            loop {
                let first = tokio::select! {
                    _ = shutdown.cancelled() => break,
                    r = rx.recv() => match r {
                        Some(r) => r,
                        None => break,
                    },
                };
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(r) => batch.push(r),
                        Err(_) => break,
                    }
                }
                let mut ids: Vec<K> = batch.iter().map(|(id, _)| *id).collect();
                ids.sort_unstable();
                ids.dedup();
                metrics::histogram!("dati_lookup_batch_size").record(ids.len() as f64);
                match fetch(ids).await {
                    Ok(found) => {
                        for (id, reply) in batch.drain(..) {
                            let _ = reply.send(Ok(found.get(&id).cloned()));
                        }
                    }
                    Err(e) => {
                        let e = Arc::new(e);
                        for (_, reply) in batch.drain(..) {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
        BatchLoader { requests: tx }
    }

    /// The value for `id`. A loader that has stopped (shutdown) answers
    /// as an unavailable store would.
    pub async fn load(&self, id: K) -> Loaded<V> {
        let (reply, answer) = oneshot::channel();
        let stopped = || Arc::new(StoreError::Database(sqlx::Error::PoolClosed));
        // `try_send` first: it queues without yielding to the scheduler, so
        // a crowd's look-ups land in the same batch; only a full queue waits.
        let queued = match self.requests.try_send((id, reply)) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(request)) => {
                self.requests.send(request).await.map_err(|_| ())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
        };
        if queued.is_err() {
            return Err(stopped());
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures_util::FutureExt;

    use super::*;

    /// A loader over `i64 → i64 * 10` for even ids, recording each batch.
    fn tens(batches: Arc<Mutex<Vec<Vec<i64>>>>, fail: bool) -> BatchLoader<i64, i64> {
        BatchLoader::spawn(
            Box::new(move |ids: Vec<i64>| {
                batches.lock().unwrap().push(ids.clone());
                async move {
                    if fail {
                        return Err(StoreError::Database(sqlx::Error::PoolTimedOut));
                    }
                    Ok(ids
                        .into_iter()
                        .filter(|id| id % 2 == 0)
                        .map(|id| (id, id * 10))
                        .collect())
                }
                .boxed()
            }),
            CancellationToken::new(),
        )
    }

    #[tokio::test]
    async fn a_crowd_of_look_ups_shares_a_few_queries_and_each_gets_its_own_value() {
        let batches = Arc::default();
        let loader = tens(Arc::clone(&batches), false);
        let ids: Vec<i64> = (0..1200).map(|i| i % 1000).collect();
        let loaded = futures_util::future::join_all(ids.iter().map(|&id| loader.load(id))).await;
        for (id, got) in ids.iter().zip(loaded) {
            let want = (id % 2 == 0).then_some(id * 10);
            assert_eq!(got.unwrap(), want, "id {id}");
        }
        let batches = batches.lock().unwrap();
        // All 1,200 were asked before the loader ran: 500 a query at most.
        assert_eq!(batches.len(), 3, "{batches:?}");
        assert!(batches.iter().all(|b| b.len() <= MAX_BATCH));
        assert!(
            batches.iter().all(|b| b.windows(2).all(|w| w[0] < w[1])),
            "ids are asked once per query"
        );
    }

    #[tokio::test]
    async fn past_the_queue_s_capacity_callers_wait_for_room_and_all_are_answered() {
        let batches = Arc::default();
        let loader = tens(Arc::clone(&batches), false);
        let n = QUEUE_CAPACITY as i64 + 700;
        let loaded = futures_util::future::join_all((0..n).map(|id| loader.load(id))).await;
        assert!(loaded.into_iter().all(|r| r.is_ok()));
        let asked: usize = batches.lock().unwrap().iter().map(Vec::len).sum();
        assert_eq!(asked as i64, n);
    }

    #[tokio::test]
    async fn a_look_up_alone_goes_at_once() {
        let batches = Arc::default();
        let loader = tens(Arc::clone(&batches), false);
        assert_eq!(loader.load(4).await.unwrap(), Some(40));
        assert_eq!(loader.load(3).await.unwrap(), None);
        assert_eq!(*batches.lock().unwrap(), vec![vec![4], vec![3]]);
    }

    #[tokio::test]
    async fn a_failed_query_fails_every_look_up_in_it_and_the_next_ones_are_asked_again() {
        let batches = Arc::default();
        let loader = tens(Arc::clone(&batches), true);
        let (a, b) = tokio::join!(loader.load(1), loader.load(2));
        assert!(a.is_err() && b.is_err());
        assert!(loader.load(2).await.is_err());
        // The two together, then the third alone.
        assert_eq!(batches.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn after_shutdown_look_ups_fail_instead_of_hanging() {
        let shutdown = CancellationToken::new();
        let loader = BatchLoader::<i64, i64>::spawn(
            Box::new(|_| async { Ok(HashMap::new()) }.boxed()),
            shutdown.clone(),
        );
        shutdown.cancel();
        tokio::task::yield_now().await;
        assert!(loader.load(1).await.is_err());
    }
}
