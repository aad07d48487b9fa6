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
//! Counted in the database (`Store::sign_in_failed`, one row per name or address), so every
//! server on one database shares the count — alternating between two servers gives no more
//! tries — and a restart keeps it. The jobs loop deletes counts whose window and lockout
//! are over.
//!
//! [`sign_in`] is the one way in, for the API and the sign-in page alike: throttle, the
//! demo-password refusal, the password check (argon2 off the executor, bounded), the
//! session.

use kaohe_store::{Store, StoreError};
use std::net::IpAddr;
use std::time::Duration;

/// Wrong passwords for one name that lock it.
pub const MAX_FAILURES: u32 = 5;
/// The window the failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a locked name stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Wrong passwords from one network address (whatever the names) that lock the address.
pub const MAX_ADDRESS_FAILURES: u32 = 50;

/// The stored subject of a user name: case and surrounding spaces ignored.
pub fn name_subject(name: &str) -> String {
    format!("name:{}", name.trim().to_lowercase())
}

/// The stored subject of a network address.
pub fn addr_subject(addr: IpAddr) -> String {
    format!("addr:{addr}")
}

fn span(d: Duration) -> time::Duration {
    time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// The wait from `now` until `until`, in whole seconds rounded up (never zero).
fn wait(until: time::OffsetDateTime, now: time::OffsetDateTime) -> Duration {
    Duration::from_secs((until - now).as_seconds_f64().ceil().max(1.0) as u64)
}

/// `Some(wait)` while `name`, or the address `addr` signs in from, is locked: how long
/// until it may try again.
pub async fn locked<S: Store>(
    store: &S,
    name: &str,
    addr: Option<IpAddr>,
    now: time::OffsetDateTime,
) -> Result<Option<Duration>, StoreError> {
    let n = name_subject(name);
    let a = addr.map(addr_subject);
    let mut subjects = vec![n.as_str()];
    subjects.extend(a.as_deref());
    Ok(store
        .sign_in_locked(&subjects, now)
        .await?
        .map(|until| wait(until, now)))
}

/// A wrong password (or sign-in code) for `name` from `addr`: counted for the name and the
/// address; how long the name or the address is now locked, if one is.
pub async fn failed<S: Store>(
    store: &S,
    name: &str,
    addr: Option<IpAddr>,
    now: time::OffsetDateTime,
) -> Result<Option<Duration>, StoreError> {
    let (window, lockout) = (span(WINDOW), span(LOCKOUT));
    let key = name_subject(name);
    let by_name = store
        .sign_in_failed(&key, MAX_FAILURES, window, lockout, now)
        .await?;
    let by_addr = match addr {
        Some(a) => {
            store
                .sign_in_failed(&addr_subject(a), MAX_ADDRESS_FAILURES, window, lockout, now)
                .await?
        }
        None => None,
    };
    for (what, until) in [("name", by_name), ("address", by_addr)] {
        if until.is_some() {
            tracing::warn!(
                %what,
                name = %key,
                addr = ?addr,
                "sign-in locked for {} minutes after repeated wrong passwords",
                LOCKOUT.as_secs() / 60
            );
        }
    }
    Ok(by_name.or(by_addr).map(|until| wait(until, now)))
}

/// A successful sign-in: the name's count starts again (the address's does not: one good
/// account must not wash away guessing at others).
pub async fn succeeded<S: Store>(store: &S, name: &str) -> Result<(), StoreError> {
    store.sign_in_cleared(&name_subject(name)).await
}

/// Delete the counts whose window and lockout are over (the jobs loop); how many.
pub async fn purge<S: Store>(store: &S, now: time::OffsetDateTime) -> Result<u64, StoreError> {
    store.purge_sign_in_failures(span(WINDOW), now).await
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
    let now = time::OffsetDateTime::now_utc();
    if let Some(wait) = locked(&st.store, username, addr, now)
        .await
        .map_err(SignInFail::Store)?
    {
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
        return Err(
            match failed(&st.store, username, addr, now)
                .await
                .map_err(SignInFail::Store)?
            {
                Some(wait) => SignInFail::Locked(minutes(wait)),
                None => SignInFail::Wrong,
            },
        );
    };
    succeeded(&st.store, username)
        .await
        .map_err(SignInFail::Store)?;
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
    use kaohe_store::Db;

    async fn store() -> Db {
        let db = kaohe_store::connect("sqlite::memory:").await.unwrap();
        db.migrate().await.unwrap();
        db
    }

    fn secs(n: u64) -> time::Duration {
        time::Duration::seconds(n as i64)
    }

    #[tokio::test]
    async fn five_wrong_passwords_lock_the_name_for_fifteen_minutes() {
        let db = store().await;
        let t0 = time::OffsetDateTime::now_utc();
        for i in 1..MAX_FAILURES {
            assert_eq!(
                failed(&db, "zhangwei", None, t0).await.unwrap(),
                None,
                "failure {i} must not lock"
            );
            assert_eq!(locked(&db, "zhangwei", None, t0).await.unwrap(), None);
        }
        assert_eq!(
            failed(&db, "zhangwei", None, t0).await.unwrap(),
            Some(LOCKOUT)
        );
        // Locked whatever the case or spaces, and only this name.
        assert_eq!(
            locked(&db, " ZhangWei ", None, t0 + secs(60))
                .await
                .unwrap(),
            Some(LOCKOUT - Duration::from_secs(60))
        );
        assert_eq!(locked(&db, "lina", None, t0).await.unwrap(), None);
        // Free again once the lockout is over, with a fresh count.
        let later = t0 + span(LOCKOUT);
        assert_eq!(locked(&db, "zhangwei", None, later).await.unwrap(), None);
        assert_eq!(failed(&db, "zhangwei", None, later).await.unwrap(), None);
    }

    #[tokio::test]
    async fn failures_spread_beyond_the_window_do_not_lock_and_success_resets() {
        let db = store().await;
        let t0 = time::OffsetDateTime::now_utc();
        for _ in 1..MAX_FAILURES {
            failed(&db, "lina", None, t0).await.unwrap();
        }
        // The fifth failure comes after the window: it starts a new count.
        assert_eq!(
            failed(&db, "lina", None, t0 + span(WINDOW)).await.unwrap(),
            None
        );
        // A success forgets the failures.
        for _ in 1..MAX_FAILURES {
            failed(&db, "wangfang", None, t0).await.unwrap();
        }
        succeeded(&db, "WangFang").await.unwrap();
        assert_eq!(failed(&db, "wangfang", None, t0).await.unwrap(), None);
    }

    #[tokio::test]
    async fn old_counts_are_purged_and_a_locked_name_is_kept() {
        let db = store().await;
        let t0 = time::OffsetDateTime::now_utc();
        for i in 0..20 {
            failed(&db, &format!("u{i}"), None, t0).await.unwrap();
        }
        // The target's window starts at t0; it locks ten minutes later, until t0 + 25 min.
        failed(&db, "target", None, t0).await.unwrap();
        let t10 = t0 + secs(600);
        for _ in 1..MAX_FAILURES {
            failed(&db, "target", None, t10).await.unwrap();
        }
        // Once the window is over the quiet names go; the locked one stays, and stays locked.
        let later = t0 + span(WINDOW) + secs(60);
        assert_eq!(purge(&db, later).await.unwrap(), 20);
        assert!(locked(&db, "target", None, later).await.unwrap().is_some());
        assert_eq!(purge(&db, later).await.unwrap(), 0);
        // And goes once its lockout is over too.
        assert_eq!(purge(&db, t10 + span(LOCKOUT)).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn one_address_guessing_across_names_is_locked() {
        let db = store().await;
        let t0 = time::OffsetDateTime::now_utc();
        let a: IpAddr = "10.0.0.9".parse().unwrap();
        let b: IpAddr = "10.0.0.10".parse().unwrap();
        for i in 1..MAX_ADDRESS_FAILURES {
            assert_eq!(
                failed(&db, &format!("n{i}"), Some(a), t0).await.unwrap(),
                None
            );
        }
        assert_eq!(
            failed(&db, "another", Some(a), t0).await.unwrap(),
            Some(LOCKOUT)
        );
        assert!(
            locked(&db, "fresh", Some(a), t0).await.unwrap().is_some(),
            "any name from a"
        );
        assert_eq!(
            locked(&db, "fresh", Some(b), t0).await.unwrap(),
            None,
            "b is free"
        );
        assert_eq!(
            locked(&db, "fresh", Some(a), t0 + span(LOCKOUT))
                .await
                .unwrap(),
            None
        );
        // A right password does not free the address.
        succeeded(&db, "another").await.unwrap();
        assert!(locked(&db, "fresh", Some(a), t0).await.unwrap().is_some());
    }

    #[test]
    fn minutes_round_up() {
        assert_eq!(minutes(Duration::from_secs(30)), 1);
        assert_eq!(minutes(Duration::from_secs(61)), 2);
        assert_eq!(minutes(LOCKOUT), 15);
    }
}
