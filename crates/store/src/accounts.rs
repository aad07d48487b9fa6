//! Accounts made by HR (issue 13): opened from the organisation with a one-time sign-in
//! code instead of a password, reset (a new code: the old password and every session stop
//! working), disabled and enabled again. The first sign-in with the code sets the password.
//!
//! A code is [`CODE_LEN`] characters from [`CODE_ALPHABET`] (no 0/O/1/I/L to misread), from
//! the operating system's random source; only its SHA-256 is stored, with its expiry
//! ([`CODE_DAYS`] days). A user holding a code has an empty `password_hash`, which no
//! password matches.

use crate::backend::is_unique_violation;
use crate::*;
use sqlx::Row;

/// The characters of a sign-in code: upper-case letters and digits that cannot be misread
/// for one another (no 0, O, 1, I, L): 31 of them, each drawn without bias.
pub const CODE_ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a sign-in code (nearly 40 bits; with the sign-in throttle, unguessable
/// in its life).
pub const CODE_LEN: usize = 8;
/// Days a sign-in code stays valid.
pub const CODE_DAYS: i64 = 7;

/// A fresh one-time sign-in code.
pub fn new_code() -> Result<String> {
    let n = CODE_ALPHABET.len();
    // Bytes at or above the largest multiple of the alphabet's size are drawn again, so
    // every character is equally likely.
    let cut = 256 - 256 % n;
    let mut code = String::with_capacity(CODE_LEN);
    while code.len() < CODE_LEN {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| StoreError::Invalid {
            field: "code".into(),
            message: crate::Text::same(e.to_string()),
        })?;
        for x in b.iter().map(|x| *x as usize).filter(|x| *x < cut) {
            if code.len() < CODE_LEN {
                code.push(CODE_ALPHABET[x % n] as char);
            }
        }
    }
    Ok(code)
}

/// A code as typed: spaces and dashes dropped, letters upper-cased.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// The stored hash of a code.
fn code_hash(code: &str) -> String {
    token_hash(&normalise(code))
}

/// Equal, in time that depends only on the lengths.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A password hash no password matches, checked so that refusals take as long as checks.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZkZvM2Vqa3l6UkxwV0pOa3dxQ2xRQQ";

fn no_user(username: &str) -> StoreError {
    StoreError::NotFound {
        what: crate::Thing::User,
        key: username.trim().into(),
    }
}

fn bad_code() -> StoreError {
    StoreError::Fields(vec![("code".into(), text!("account-bad-code"))])
}

impl Db {
    pub(crate) async fn authenticate_impl(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT id, password_hash, CASE WHEN disabled THEN 1 ELSE 0 END AS disabled FROM users WHERE username = $1",
        )
        .bind(username.trim())
        .fetch_optional(&self.reader)
        .await?;
        let usable = row.as_ref().and_then(|r| {
            let hash: String = r.get("password_hash");
            (r.get::<i64, _>("disabled") == 0 && !hash.is_empty()).then_some(hash)
        });
        let Some(hash) = usable else {
            // Spend the same time as a real check, so timing does not reveal user names
            // nor which accounts are disabled.
            let _ = crate::hashing::verify(password, DUMMY_HASH).await?;
            return Ok(None);
        };
        if !crate::hashing::verify(password, &hash).await? {
            return Ok(None);
        }
        self.load_user(row.map(|r| r.get("id")).unwrap_or_default())
            .await
    }

    pub(crate) async fn employees_without_account_impl(
        &self,
        department_id: i64,
    ) -> Result<Vec<String>> {
        Ok(sqlx::query(
            "SELECT e.emp_no FROM employees e WHERE e.department_id = $1 AND e.active = TRUE \
             AND NOT EXISTS (SELECT 1 FROM users u WHERE u.employee_id = e.id) ORDER BY e.emp_no",
        )
        .bind(department_id)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| r.get("emp_no"))
        .collect())
    }

    pub(crate) async fn create_accounts_impl(
        &self,
        actor: &str,
        emp_nos: &[String],
        username: Option<&str>,
        grants: &[Grant],
    ) -> Result<Vec<(String, String)>> {
        let username = username.map(str::trim).filter(|u| !u.is_empty());
        if username.is_some() && emp_nos.len() != 1 {
            return Err(StoreError::Invalid {
                field: "username".into(),
                message: text!("account-one-username"),
            });
        }
        if emp_nos.is_empty() {
            return Err(StoreError::Invalid {
                field: "emp_no".into(),
                message: text!("account-nobody"),
            });
        }
        let mut tx = self.begin_write().await?;
        crate::backend::grant_departments(&mut tx, grants).await?;
        let mut grants_seen: Vec<&Grant> = Vec::new();
        for g in grants {
            if !grants_seen.contains(&g) {
                grants_seen.push(g);
            }
        }
        let roles: Vec<&str> = grants_seen.iter().map(|g| g.role.as_str()).collect();
        let expires = stamp(time::OffsetDateTime::now_utc() + time::Duration::days(CODE_DAYS));
        let mut made = Vec::with_capacity(emp_nos.len());
        let mut problems: Vec<(String, crate::Text)> = Vec::new();
        for no in emp_nos {
            let no = no.trim();
            let Some(e) = sqlx::query("SELECT id, name FROM employees WHERE emp_no = $1")
                .bind(no)
                .fetch_optional(&mut *tx)
                .await?
            else {
                problems.push((no.into(), text!("account-no-employee", emp_no = no)));
                continue;
            };
            let emp_id: i64 = e.get("id");
            let emp_name: String = e.get("name");
            if let Some(u) = sqlx::query("SELECT username FROM users WHERE employee_id = $1")
                .bind(emp_id)
                .fetch_optional(&mut *tx)
                .await?
            {
                let u: String = u.get("username");
                problems.push((
                    no.into(),
                    text!("account-exists", name = emp_name, emp_no = no, username = u),
                ));
                continue;
            }
            let name = username.map_or_else(|| no.to_lowercase(), str::to_string);
            let code = new_code()?;
            let row = sqlx::query("INSERT INTO users (username, password_hash, employee_id, lang, created_at, code_hash, code_expires) VALUES ($1, '', $2, 'zh-CN', $3, $4, $5) RETURNING id")
                .bind(&name)
                .bind(emp_id)
                .bind(now())
                .bind(code_hash(&code))
                .bind(&expires)
                .fetch_one(&mut *tx)
                .await;
            let id: i64 = match row {
                Ok(r) => r.get("id"),
                Err(e) if is_unique_violation(&e) => {
                    problems.push((no.into(), text!("account-name-taken", name = name)));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            for g in &grants_seen {
                sqlx::query(
                    "INSERT INTO user_roles (user_id, role, department_id) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(g.role.as_str())
                .bind(g.department_id)
                .execute(&mut *tx)
                .await?;
            }
            self.append_audit(
                &mut tx,
                &NewAudit {
                    actor: actor.into(),
                    action: "user.create".into(),
                    entity: "user".into(),
                    entity_id: name.clone(),
                    new_value: Some(format!(
                        "employee: {no}; roles: {}; 登录码已发 / sign-in code issued",
                        roles.join(",")
                    )),
                    ..Default::default()
                },
            )
            .await?;
            made.push((name, code));
        }
        if !problems.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Fields(problems));
        }
        tx.commit().await?;
        Ok(made)
    }

    pub(crate) async fn reset_code_impl(&self, actor: &str, username: &str) -> Result<String> {
        let code = new_code()?;
        let expires = stamp(time::OffsetDateTime::now_utc() + time::Duration::days(CODE_DAYS));
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "SELECT id, password_hash, CASE WHEN code_hash IS NULL THEN 0 ELSE 1 END AS pending FROM users WHERE username = $1",
        )
        .bind(username.trim())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| no_user(username))?;
        let id: i64 = r.get("id");
        let old = match (
            r.get::<String, _>("password_hash").is_empty(),
            r.get::<i64, _>("pending") != 0,
        ) {
            (false, _) => "密码 / password",
            (true, true) => "登录码 / sign-in code",
            (true, false) => "无 / none",
        };
        sqlx::query(
            "UPDATE users SET password_hash = '', code_hash = $1, code_expires = $2 WHERE id = $3",
        )
        .bind(code_hash(&code))
        .bind(&expires)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: actor.into(),
                action: "user.code".into(),
                entity: "user".into(),
                entity_id: username.trim().into(),
                old_value: Some(old.into()),
                new_value: Some(format!(
                    "新登录码 / new sign-in code; 会话已结束 / sessions ended: {ended}"
                )),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(code)
    }

    pub(crate) async fn set_disabled_impl(
        &self,
        actor: &str,
        username: &str,
        disabled: bool,
    ) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "SELECT id, CASE WHEN disabled THEN 1 ELSE 0 END AS disabled FROM users WHERE username = $1",
        )
        .bind(username.trim())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| no_user(username))?;
        let id: i64 = r.get("id");
        let was = r.get::<i64, _>("disabled") != 0;
        if disabled && actor.trim() == username.trim() {
            return Err(StoreError::Workflow(text!("account-not-yourself")));
        }
        let sql = if disabled {
            "UPDATE users SET disabled = TRUE WHERE id = $1"
        } else {
            "UPDATE users SET disabled = FALSE WHERE id = $1"
        };
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        let ended = if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        } else {
            0
        };
        if was != disabled {
            let state = |d: bool| {
                if d {
                    "停用 / disabled"
                } else {
                    "启用 / active"
                }
            };
            let mut new = state(disabled).to_string();
            if disabled {
                new.push_str(&format!("; 会话已结束 / sessions ended: {ended}"));
            }
            self.append_audit(
                &mut tx,
                &NewAudit {
                    actor: actor.into(),
                    action: if disabled {
                        "user.disable"
                    } else {
                        "user.enable"
                    }
                    .into(),
                    entity: "user".into(),
                    entity_id: username.trim().into(),
                    old_value: Some(state(was).into()),
                    new_value: Some(new),
                    ..Default::default()
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.load_user(id).await?.ok_or_else(|| no_user(username))
    }

    pub(crate) async fn redeem_code_impl(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<User> {
        let given = code_hash(code);
        let row = sqlx::query(
            "SELECT id, code_hash, code_expires, CASE WHEN disabled THEN 1 ELSE 0 END AS disabled FROM users WHERE username = $1",
        )
        .bind(username.trim())
        .fetch_optional(&self.reader)
        .await?;
        // Compare against something even when there is no user or no code, in constant time.
        let (id, stored, expires, disabled) = match &row {
            Some(r) => (
                r.get::<i64, _>("id"),
                r.get::<Option<String>, _>("code_hash"),
                r.get::<Option<String>, _>("code_expires"),
                r.get::<i64, _>("disabled") != 0,
            ),
            None => (0, None, None, true),
        };
        let matches = same(
            stored.as_deref().unwrap_or(&"-".repeat(given.len())),
            &given,
        );
        let live = expires.as_deref().is_some_and(|e| e > now().as_str());
        if !(matches && live && !disabled && stored.is_some()) {
            return Err(bad_code());
        }
        if let Some((zh, en)) = password_problem(username.trim(), new_password) {
            return Err(StoreError::Fields(vec![(
                "new".into(),
                crate::Text::pair(zh, en),
            )]));
        }
        let hash = crate::hashing::hash(new_password).await?;
        let mut tx = self.begin_write().await?;
        // Only if the code is still the one checked (not reset or used meanwhile).
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, code_hash = NULL, code_expires = NULL WHERE id = $2 AND code_hash = $3",
        )
        .bind(&hash)
        .bind(id)
        .bind(&given)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            tx.rollback().await?;
            return Err(bad_code());
        }
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: username.trim().into(),
                action: "user.password".into(),
                entity: "user".into(),
                entity_id: username.trim().into(),
                old_value: Some("登录码 / sign-in code".into()),
                new_value: Some("首次登录设置密码 / password set at first sign-in".into()),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        self.load_user(id).await?.ok_or_else(|| no_user(username))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unambiguous_and_normalised() {
        for _ in 0..200 {
            let c = new_code().unwrap();
            assert_eq!(c.len(), CODE_LEN);
            assert!(!c.contains(['0', 'O', '1', 'I', 'L', 'l']), "{c}");
        }
        assert_eq!(code_hash("abcd-efgh "), code_hash("ABCDEFGH"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
