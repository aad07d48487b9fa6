//! Sign-in throttling: after [`MAX_FAILURES`] wrong passwords for one user name within
//! [`WINDOW`], the name is refused for [`LOCKOUT`] — its password is not even checked — so
//! nobody can guess a password by trying thousands. It applies to names that do not exist
//! as well, so a refusal tells nothing about which accounts exist.
//!
//! One network address gets [`MAX_ADDRESS_FAILURES`] wrong passwords within [`WINDOW`]
//! whatever the names, then it is refused for [`LOCKOUT`]: guessing across ever-new names
//! (so that no name locks) stops there. A whole office behind one NAT address shares that
//! allowance, which is why it is ten times a person's.
//!
//! Kept in memory: a restart forgets it, and each server of several counts on its own.
//! That is enough to make guessing hopeless (five tries per quarter hour).
//!
//! [`sign_in`] is the one way in, for the API and the sign-in page alike: throttle, the
//! demo-password refusal, the password check (argon2 off the executor, bounded), the
//! session.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong passwords for one name that lock it.
pub const MAX_FAILURES: u32 = 5;
/// The window the failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a locked name stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Wrong passwords from one network address (whatever the names) that lock the address.
pub const MAX_ADDRESS_FAILURES: u32 = 50;
/// Names tracked at most; beyond, the oldest quiet ones are forgotten first.
const MAX_NAMES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// The first failure of the current window.
    since: Instant,
    locked_until: Option<Instant>,
}

/// Failed sign-ins per user name (case and surrounding spaces ignored), and per network
/// address.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    names: Mutex<HashMap<String, Entry>>,
    addresses: Mutex<HashMap<String, Entry>>,
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn locked(map: &Mutex<HashMap<String, Entry>>, key: &str, now: Instant) -> Result<(), Duration> {
    let m = map.lock().unwrap_or_else(|p| p.into_inner());
    match m.get(key).and_then(|e| e.locked_until) {
        Some(until) if until > now => Err(until - now),
        _ => Ok(()),
    }
}

impl SignInThrottle {
    /// `Err(wait)` while `name` is locked: how long until it may try again.
    pub fn check(&self, name: &str, now: Instant) -> Result<(), Duration> {
        locked(&self.names, &key(name), now)
    }

    /// `Err(wait)` while `name`, or the address `addr` signs in from, is locked.
    pub fn check_from(
        &self,
        name: &str,
        addr: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        self.check(name, now)?;
        match addr {
            Some(a) => locked(&self.addresses, &a.to_string(), now),
            None => Ok(()),
        }
    }

    /// A wrong password for `name` from `addr`; how long the name or the address is now
    /// locked, if one is.
    pub fn failed_from(&self, name: &str, addr: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let by_addr = addr.and_then(|a| {
            count(
                &self.addresses,
                &a.to_string(),
                now,
                MAX_ADDRESS_FAILURES,
                "address",
            )
        });
        self.failed(name, now).or(by_addr)
    }

    /// A wrong password for `name`; returns how long it is now locked, if it is.
    pub fn failed(&self, name: &str, now: Instant) -> Option<Duration> {
        count(&self.names, &key(name), now, MAX_FAILURES, "name")
    }

    /// A successful sign-in: the name's count starts again (the address's does not: one
    /// good account must not wash away guessing at others).
    pub fn succeeded(&self, name: &str) {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        names.remove(&key(name));
    }
}

/// Count a failure for `key` in `map`; `Some(lockout)` when this one locks it.
fn count(
    map: &Mutex<HashMap<String, Entry>>,
    key: &str,
    now: Instant,
    max_failures: u32,
    what: &str,
) -> Option<Duration> {
    let mut names = map.lock().unwrap_or_else(|p| p.into_inner());
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
    let e = names.entry(key.to_string()).or_insert(Entry {
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
    if e.failures >= max_failures {
        e.locked_until = Some(now + LOCKOUT);
        tracing::warn!(
            %what,
            key = %key,
            failures = e.failures,
            "sign-in locked for {} minutes after repeated wrong passwords",
            LOCKOUT.as_secs() / 60
        );
        return Some(LOCKOUT);
    }
    None
}

/// Why a sign-in did not happen.
#[derive(Debug)]
pub enum SignInFail {
    /// The name or the address is locked: whole minutes to wait.
    Locked(u64),
    /// A demo account's published password on a server that is not a demo.
    DemoPassword,
    /// Wrong name or password.
    Wrong,
    /// Too many password checks at once: try again in a moment.
    Busy,
    /// The database failed.
    Store(kaohe_store::StoreError),
}

/// Sign `username` in with `password` from `addr`: the user and a new session token.
pub async fn sign_in<S: kaohe_store::Store>(
    st: &crate::AppState<S>,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> Result<(kaohe_store::User, String), SignInFail> {
    let now = Instant::now();
    if let Err(wait) = st.sign_in.check_from(username, addr, now) {
        return Err(SignInFail::Locked(minutes(wait)));
    }
    if crate::ops::demo_password_refused(st, username, password) {
        return Err(SignInFail::DemoPassword);
    }
    let user = match st.store.authenticate(username, password).await {
        Ok(u) => u,
        Err(kaohe_store::StoreError::Busy) => return Err(SignInFail::Busy),
        Err(e) => return Err(SignInFail::Store(e)),
    };
    let Some(u) = user else {
        return Err(match st.sign_in.failed_from(username, addr, now) {
            Some(wait) => SignInFail::Locked(minutes(wait)),
            None => SignInFail::Wrong,
        });
    };
    st.sign_in.succeeded(username);
    let token = st
        .store
        .create_session(u.id, st.session_ttl)
        .await
        .map_err(SignInFail::Store)?;
    Ok((u, token))
}

/// The address a request came from (the TCP peer), when the server knows it.
pub fn peer(parts: &axum::http::Extensions) -> Option<IpAddr> {
    parts
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
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
    fn one_address_guessing_across_names_is_locked() {
        let t = SignInThrottle::default();
        let t0 = Instant::now();
        let a: IpAddr = "10.0.0.9".parse().unwrap();
        let b: IpAddr = "10.0.0.10".parse().unwrap();
        for i in 1..MAX_ADDRESS_FAILURES {
            assert_eq!(t.failed_from(&format!("n{i}"), Some(a), t0), None);
        }
        assert_eq!(t.failed_from("another", Some(a), t0), Some(LOCKOUT));
        assert!(
            t.check_from("fresh", Some(a), t0).is_err(),
            "any name from a"
        );
        assert_eq!(t.check_from("fresh", Some(b), t0), Ok(()), "b is free");
        assert_eq!(t.check_from("fresh", Some(a), t0 + LOCKOUT), Ok(()));
    }

    #[test]
    fn minutes_round_up() {
        assert_eq!(minutes(Duration::from_secs(30)), 1);
        assert_eq!(minutes(Duration::from_secs(61)), 2);
        assert_eq!(minutes(LOCKOUT), 15);
    }
}
