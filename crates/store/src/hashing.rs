//! Password hashing off the async executor, through a small bounded pool.
//!
//! argon2id is meant to be slow (about 20 ms of one core per check here). Run on the request
//! threads, a flood of sign-in attempts for ever-new user names stalls every other request.
//! So each hash or check runs on a blocking thread, at most [`workers`] at a time (half the
//! cores: the rest keep serving signed-in users), and at most [`MAX_WAITING`] wait for one;
//! beyond that a sign-in is refused at once with [`StoreError::Busy`] (503, try again).

use crate::StoreError;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// Checks that may wait for a worker before new ones are refused.
pub const MAX_WAITING: usize = 64;

/// Hashes running at once: half the cores, at least one.
pub fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(1))
        .unwrap_or(1)
}

static POOL: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(workers()));
static QUEUED: AtomicUsize = AtomicUsize::new(0);

/// A place in the queue, given back when dropped.
struct Place;

impl Place {
    fn take() -> Result<Place, StoreError> {
        if QUEUED.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING + workers() {
            QUEUED.fetch_sub(1, Ordering::AcqRel);
            return Err(StoreError::Busy);
        }
        Ok(Place)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        QUEUED.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, StoreError> {
    let _place = Place::take()?;
    let _permit = POOL.acquire().await.map_err(|_| StoreError::Busy)?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| StoreError::Busy)
}

/// [`crate::hash_password`] on the pool.
pub async fn hash(password: &str) -> Result<String, StoreError> {
    let p = password.to_string();
    run(move || crate::hash_password(&p)).await?
}

/// [`crate::verify_password`] on the pool.
pub async fn verify(password: &str, stored: &str) -> Result<bool, StoreError> {
    let (p, s) = (password.to_string(), stored.to_string());
    run(move || crate::verify_password(&p, &s)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_is_refused_not_queued_for_ever() {
        let h = hash("a long password").await.unwrap();
        assert!(verify("a long password", &h).await.unwrap());
        assert!(!verify("wrong", &h).await.unwrap());
        // Far more checks at once than may wait: some are refused at once, none is lost.
        let tasks: Vec<_> = (0..(MAX_WAITING + workers()) * 3)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move { verify("wrong", &h).await })
            })
            .collect();
        let mut busy = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(ok) => assert!(!ok),
                Err(StoreError::Busy) => busy += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(busy > 0, "the queue is bounded");
        assert_eq!(QUEUED.load(Ordering::Acquire), 0, "every place given back");
    }
}
