//! Sign-in throttling: after [`MAX_FAILURES`] wrong passwords for one user name within
//! [`WINDOW`], the name is refused for [`LOCKOUT`] — its password is not even checked — so
//! nobody can guess a password by trying thousands. It applies to names that do not exist
//! as well, so a refusal tells nothing about which accounts exist.
//!
//! Kept in memory: a restart forgets it, and each server of several counts on its own.
//! That is enough to make guessing hopeless (five tries per quarter hour).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong passwords for one name that lock it.
pub const MAX_FAILURES: u32 = 5;
/// The window the failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a locked name stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Names tracked at most; beyond, the oldest quiet ones are forgotten first.
const MAX_NAMES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// The first failure of the current window.
    since: Instant,
    locked_until: Option<Instant>,
}

/// Failed sign-ins per user name (case and surrounding spaces ignored).
#[derive(Debug, Default)]
pub struct SignInThrottle {
    names: Mutex<HashMap<String, Entry>>,
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl SignInThrottle {
    /// `Err(wait)` while `name` is locked: how long until it may try again.
    pub fn check(&self, name: &str, now: Instant) -> Result<(), Duration> {
        let names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        match names.get(&key(name)).and_then(|e| e.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// A wrong password for `name`; returns how long it is now locked, if it is.
    pub fn failed(&self, name: &str, now: Instant) -> Option<Duration> {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if names.len() >= MAX_NAMES {
            names.retain(|_, e| {
                e.locked_until.is_some_and(|u| u > now) || now.duration_since(e.since) < WINDOW
            });
        }
        if names.len() >= MAX_NAMES {
            // Still full of live entries: forget the quietest half.
            let mut since: Vec<Instant> = names.values().map(|e| e.since).collect();
            since.sort_unstable();
            let cut = since[since.len() / 2];
            names.retain(|_, e| e.since > cut || e.locked_until.is_some_and(|u| u > now));
        }
        let e = names.entry(key(name)).or_insert(Entry {
            failures: 0,
            since: now,
            locked_until: None,
        });
        let expired = e.locked_until.is_some_and(|u| u <= now);
        if expired || now.duration_since(e.since) >= WINDOW {
            *e = Entry {
                failures: 0,
                since: now,
                locked_until: None,
            };
        }
        e.failures += 1;
        if e.failures >= MAX_FAILURES {
            e.locked_until = Some(now + LOCKOUT);
            tracing::warn!(
                name = %key(name),
                failures = e.failures,
                "sign-in locked for {} minutes after repeated wrong passwords",
                LOCKOUT.as_secs() / 60
            );
            return Some(LOCKOUT);
        }
        None
    }

    /// A successful sign-in: the name's count starts again.
    pub fn succeeded(&self, name: &str) {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        names.remove(&key(name));
    }
}

/// Whole minutes to wait, rounded up (a wait of 30 s reads "1 minute").
pub fn minutes(wait: Duration) -> u64 {
    wait.as_secs().div_ceil(60).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_passwords_lock_the_name_for_fifteen_minutes() {
        let t = SignInThrottle::default();
        let t0 = Instant::now();
        for i in 1..MAX_FAILURES {
            assert_eq!(t.failed("zhangwei", t0), None, "failure {i} must not lock");
            assert_eq!(t.check("zhangwei", t0), Ok(()));
        }
        assert_eq!(t.failed("zhangwei", t0), Some(LOCKOUT));
        // Locked whatever the case or spaces, and only this name.
        assert_eq!(
            t.check(" ZhangWei ", t0 + Duration::from_secs(60)),
            Err(LOCKOUT - Duration::from_secs(60))
        );
        assert_eq!(t.check("lina", t0), Ok(()));
        // Free again once the lockout is over, with a fresh count.
        let later = t0 + LOCKOUT;
        assert_eq!(t.check("zhangwei", later), Ok(()));
        assert_eq!(t.failed("zhangwei", later), None);
    }

    #[test]
    fn failures_spread_beyond_the_window_do_not_lock_and_success_resets() {
        let t = SignInThrottle::default();
        let t0 = Instant::now();
        for _ in 1..MAX_FAILURES {
            t.failed("lina", t0);
        }
        // The fifth failure comes after the window: it starts a new count.
        assert_eq!(t.failed("lina", t0 + WINDOW), None);
        // A success forgets the failures.
        for _ in 1..MAX_FAILURES {
            t.failed("wangfang", t0);
        }
        t.succeeded("wangfang");
        assert_eq!(t.failed("wangfang", t0), None);
    }

    #[test]
    fn many_names_stay_bounded() {
        let t = SignInThrottle::default();
        let t0 = Instant::now();
        for i in 0..MAX_NAMES + 10 {
            t.failed(&format!("u{i}"), t0 + Duration::from_millis(i as u64));
        }
        assert!(t.names.lock().unwrap().len() <= MAX_NAMES);
        // A locked name survives the forgetting.
        let t = SignInThrottle::default();
        for _ in 0..MAX_FAILURES {
            t.failed("target", t0);
        }
        for i in 0..MAX_NAMES + 10 {
            t.failed(&format!("u{i}"), t0 + Duration::from_millis(i as u64 + 1));
        }
        assert!(t.check("target", t0 + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn minutes_round_up() {
        assert_eq!(minutes(Duration::from_secs(30)), 1);
        assert_eq!(minutes(Duration::from_secs(61)), 2);
        assert_eq!(minutes(LOCKOUT), 15);
    }
}
