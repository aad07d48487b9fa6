//! HR's users page: every account with its roles, each role for every department or for
//! one (`复核 @ 客服部`); a role given or taken here is `Store::set_grants`, audited old → new.
//! Who may do what with those roles is decided by `kaohe_store::policy`, not here.

use super::*;
use kaohe_store::policy::Capability;
use kaohe_store::{Department, Grant};

/// The roles HR can give, in the order the page lists them: the least powerful first, so
/// the preselected choice never makes someone an administrator by a slip.
const ROLES: [Role; 6] = [
    Role::Employee,
    Role::Rater,
    Role::Clerk,
    Role::Reviewer,
    Role::Approver,
    Role::HrAdmin,
];

#[derive(Serialize)]
struct GrantView {
    role: &'static str,
    department: Option<i64>,
    /// `reviewer` or `reviewer@12`: what the remove button sends.
    key: String,
}

#[derive(Serialize)]
struct UserView {
    username: String,
    /// Where its forms post (the name percent-encoded: it may hold any character).
    action: String,
    employee: bool,
    grants: Vec<GrantView>,
    /// Where the reset and disable/enable forms post.
    code_action: String,
    state_action: String,
    /// The page of the user's contact details (e-mail, mobile, 飞书 user id).
    contact_link: String,
    /// `active`, `disabled` or `pending` (waiting for the first sign-in with a code).
    state: &'static str,
}

/// Where the create form's error is shown (`error_user`): not a user name (those are
/// never empty after trimming, and `#` cannot start a 工号-made one).
const CREATE_FORM: &str = "#create";

fn grant_key(g: &Grant) -> String {
    match g.department_id {
        Some(d) => format!("{}@{d}", g.role.as_str()),
        None => g.role.as_str().to_string(),
    }
}

fn parse_key(key: &str) -> Option<Grant> {
    let (role, dept) = match key.split_once('@') {
        Some((r, d)) => (r, Some(d.parse::<i64>().ok()?)),
        None => (key, None),
    };
    Some(Grant {
        role: Role::parse(role)?,
        department_id: dept,
    })
}

pub(super) fn encoded(name: &str) -> String {
    form_urlencoded::byte_serialize(name.as_bytes()).collect()
}

async fn users_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    status: StatusCode,
    error: Option<(String, String)>,
) -> Response {
    let (users, depts): (Vec<User>, Vec<Department>) =
        match (st.store.users().await, st.store.departments().await) {
            (Ok(u), Ok(d)) => (u, d),
            (Err(e), _) | (_, Err(e)) => return server_error(ctx.lang, &e.to_string()),
        };
    let users: Vec<UserView> = users
        .iter()
        .map(|u| UserView {
            username: u.username.clone(),
            action: format!("/hr/users/{}/grants", encoded(&u.username)),
            code_action: format!("/hr/users/{}/code", encoded(&u.username)),
            state_action: format!("/hr/users/{}/state", encoded(&u.username)),
            contact_link: format!("/hr/users/{}/contact", encoded(&u.username)),
            state: if u.disabled {
                "disabled"
            } else if u.code_pending {
                "pending"
            } else {
                "active"
            },
            employee: u.employee_id.is_some(),
            grants: u
                .grants
                .iter()
                .map(|g| GrantView {
                    role: g.role.as_str(),
                    department: g.department_id,
                    key: grant_key(g),
                })
                .collect(),
        })
        .collect();
    // In tree order, each under its parent: a grant on a department covers its subtree.
    let depts: Vec<Value> = kaohe_store::tree_order(&depts)
        .into_iter()
        .map(|(depth, d)| context! { id => d.id, name => d.name.clone(), code => d.code.clone(), indent => "\u{3000}".repeat(depth.min(6)) })
        .collect();
    let roles: Vec<&str> = ROLES.iter().map(|r| r.as_str()).collect();
    render(
        ctx,
        status,
        "hr_users.html",
        context! {
            users => Serde(users),
            depts,
            roles,
            error_user => error.as_ref().map(|e| e.0.clone()),
            error => error.map(|e| e.1),
        },
    )
}

pub(super) async fn hr_users<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> Response {
    if let Err(r) = hr_only(&ctx, Capability::ManageOrg) {
        return *r;
    }
    users_page(&st, &ctx, StatusCode::OK, None).await
}

/// Give (`action=add`, with `role` and `department`, empty for every department) or take
/// (`action=remove`, with `grant`) one role of a user.
pub(super) async fn hr_user_grants<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(username): Path<String>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let me = match hr_only(&ctx, Capability::ManageOrg) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let refuse = |key: &str| Some((username.clone(), text(ctx.lang, key, &[])));
    let user = match st.store.user_by_name(&username).await {
        Ok(Some(u)) => u,
        Ok(None) => return not_found(&ctx),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let mut grants = user.grants.clone();
    match form.get("action") {
        Some("add") => {
            let role = form.get("role").and_then(Role::parse);
            let dept = match form.get("department").unwrap_or_default().trim() {
                "" => Ok(None),
                d => d.parse::<i64>().map(Some),
            };
            let (Some(role), Ok(department_id)) = (role, dept) else {
                let e = refuse("users-bad-role");
                return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
            };
            let g = Grant {
                role,
                department_id,
            };
            if !grants.contains(&g) {
                grants.push(g);
            }
        }
        Some("remove") => {
            let Some(g) = form.get("grant").and_then(parse_key) else {
                let e = refuse("users-bad-role");
                return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
            };
            if user.username == me.username && g.role == Role::HrAdmin {
                let e = refuse("users-keep-own-hr");
                return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
            }
            grants.retain(|x| x != &g);
        }
        _ => {
            let e = refuse("action-unknown");
            return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
        }
    }
    match st.store.set_grants(&me.username, &username, &grants).await {
        Ok(_) => see_other(&format!("/hr/users#user-{username}")),
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            users_page(&st, &ctx, status, Some((username, m))).await
        }
    }
}

/// The page that shows new one-time sign-in codes, once (the response is never cached and
/// the codes are kept nowhere but in the store's hashes).
fn codes_page(ctx: &Ctx, codes: &[(String, String)], reset: bool) -> Response {
    let codes: Vec<Value> = codes
        .iter()
        .map(|(u, c)| context! { username => u.clone(), code => c.clone() })
        .collect();
    render(
        ctx,
        StatusCode::OK,
        "hr_user_codes.html",
        context! { codes, reset, days => kaohe_store::CODE_DAYS },
    )
}

/// Open accounts from the organisation: one employee (`emp_no`, with an optional
/// `username`) or every employee of `department` without an account; each gets the
/// chosen `role`s (for every department) and a one-time sign-in code, shown once.
pub(super) async fn hr_users_create<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let me = match hr_only(&ctx, Capability::ManageOrg) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let refuse = |m: String| Some((CREATE_FORM.to_string(), m));
    let mut roles: Vec<Role> = Vec::new();
    for r in form.all("role") {
        match Role::parse(&r) {
            Some(r) if !roles.contains(&r) => roles.push(r),
            Some(_) => {}
            None => {
                let e = refuse(text(ctx.lang, "users-bad-role", &[]));
                return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
            }
        }
    }
    if roles.is_empty() {
        roles.push(Role::Employee);
    }
    let grants: Vec<Grant> = roles
        .into_iter()
        .map(|role| Grant {
            role,
            department_id: None,
        })
        .collect();
    let emp_no = form.get("emp_no").unwrap_or_default().trim().to_string();
    let dept = form
        .get("department")
        .unwrap_or_default()
        .trim()
        .to_string();
    let username = form.get("username").unwrap_or_default().trim().to_string();
    let emp_nos: Vec<String> = match (emp_no.is_empty(), dept.is_empty()) {
        (false, true) => vec![emp_no],
        (true, false) => {
            let Ok(d) = dept.parse::<i64>() else {
                let e = refuse(text(ctx.lang, "users-bad-role", &[]));
                return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
            };
            match st.store.employees_without_account(d).await {
                Ok(v) if v.is_empty() => {
                    let e = refuse(text(ctx.lang, "users-create-none", &[]));
                    return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
                }
                Ok(v) => v,
                Err(e) => return server_error(ctx.lang, &e.to_string()),
            }
        }
        _ => {
            let e = refuse(text(ctx.lang, "users-create-which", &[]));
            return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
        }
    };
    let username = (emp_nos.len() == 1 && !username.is_empty()).then_some(username.as_str());
    match st
        .store
        .create_accounts(&me.username, &emp_nos, username, &grants)
        .await
    {
        Ok(made) => codes_page(&ctx, &made, false),
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(StoreError::Fields(f)) => {
            let m = f
                .iter()
                .map(|(_, m)| in_lang(ctx.lang, m))
                .collect::<Vec<_>>()
                .join("；");
            users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, refuse(m)).await
        }
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            users_page(&st, &ctx, status, refuse(m)).await
        }
    }
}

/// A new one-time sign-in code for a user, shown once: the password and sessions end.
pub(super) async fn hr_user_code<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(username): Path<String>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let me = match hr_only(&ctx, Capability::ManageOrg) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    match st.store.reset_code(&me.username, &username).await {
        Ok(code) => codes_page(&ctx, &[(username, code)], true),
        Err(StoreError::NotFound { .. }) => not_found(&ctx),
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            users_page(&st, &ctx, status, Some((username, m))).await
        }
    }
}

/// Disable (`action=disable`) or enable again (`action=enable`) a user.
pub(super) async fn hr_user_state<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(username): Path<String>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let me = match hr_only(&ctx, Capability::ManageOrg) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let disabled = match form.get("action") {
        Some("disable") => true,
        Some("enable") => false,
        _ => {
            let e = Some((username.clone(), text(ctx.lang, "action-unknown", &[])));
            return users_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, e).await;
        }
    };
    match st
        .store
        .set_disabled(&me.username, &username, disabled)
        .await
    {
        Ok(_) => see_other(&format!("/hr/users#user-{}", encoded(&username))),
        Err(StoreError::NotFound { .. }) => not_found(&ctx),
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            users_page(&st, &ctx, status, Some((username, m))).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_survives_its_key() {
        for g in [
            Grant {
                role: Role::Reviewer,
                department_id: Some(12),
            },
            Grant {
                role: Role::HrAdmin,
                department_id: None,
            },
        ] {
            assert_eq!(parse_key(&grant_key(&g)), Some(g));
        }
        assert_eq!(parse_key("reviewer@x"), None);
        assert_eq!(parse_key("boss"), None);
    }
}
