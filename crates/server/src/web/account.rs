//! The account pages: changing one's password, and the first-run administrator set up in
//! the browser with the one-time token the server prints when its database has no users
//! (the same token and store calls as `POST /api/setup`).

use super::*;
use kaohe_store::{Grant, NewUser};

/// The shortest password the store accepts (`create_user`, `change_password`).
pub(super) const MIN_PASSWORD: usize = kaohe_store::MIN_PASSWORD_CHARS;

#[derive(serde::Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// What is wrong with each field of a form, by field name.
type FieldErrors = BTreeMap<String, String>;

pub(super) async fn account_password(
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    if ctx.user.is_none() {
        return to_login(&ctx);
    }
    password_page(
        &ctx,
        StatusCode::OK,
        q.done.is_some(),
        None,
        FieldErrors::new(),
    )
}

fn password_page(
    ctx: &Ctx,
    status: StatusCode,
    done: bool,
    error: Option<String>,
    errors: FieldErrors,
) -> Response {
    render(
        ctx,
        status,
        "password.html",
        context! { done, error, errors => Serde(errors), min => MIN_PASSWORD },
    )
}

pub(super) async fn account_password_post<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let Some(me) = ctx.user.clone() else {
        return Ok(to_login(&ctx));
    };
    let current = form.get("current").unwrap_or_default();
    let new = form.get("new").unwrap_or_default();
    let confirm = form.get("confirm").unwrap_or_default();
    let mut errors = FieldErrors::new();
    if current.is_empty() {
        errors.insert("current".into(), text(ctx.lang, "field-required", &[]));
    }
    if new.chars().count() < MIN_PASSWORD {
        let min = Arg::Num(MIN_PASSWORD as f64);
        errors.insert(
            "new".into(),
            text(ctx.lang, "password-too-short", &[("min", min)]),
        );
    } else if new != confirm {
        errors.insert("confirm".into(), text(ctx.lang, "password-mismatch", &[]));
    }
    if !errors.is_empty() {
        return Ok(password_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
            None,
            errors,
        ));
    }
    match st
        .store
        .change_password(me.id, current, new, ctx.session.as_deref())
        .await
    {
        Ok(_) => Ok(see_other("/account/password?done=1")),
        Err(StoreError::Fields(f)) => {
            for (field, msg) in f {
                errors.insert(field, in_lang(ctx.lang, &msg));
            }
            Ok(password_page(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
                None,
                errors,
            ))
        }
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            Ok(password_page(&ctx, status, false, Some(m), errors))
        }
    }
}

/// Is the server waiting for its first administrator (a one-time token armed, no user)?
pub(super) async fn needs_setup<S: Store>(st: &AppState<S>) -> kaohe_store::Result<bool> {
    let armed = st.setup_token.lock().map(|t| t.is_some()).unwrap_or(false);
    Ok(armed && st.store.user_count().await? == 0)
}

/// `/`: to the first-run page while there is no user, else as before.
pub(super) async fn home_or_setup<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> Response {
    match needs_setup(&st).await {
        Ok(true) => see_other("/setup"),
        Ok(false) => home(ctx).await,
        Err(e) => server_error(ctx.lang, &e.to_string()),
    }
}

/// `/login`: to the first-run page while there is no user, else the sign-in form.
pub(super) async fn login_or_setup<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    q: axum::extract::Query<NextQuery>,
) -> Response {
    match needs_setup(&st).await {
        Ok(true) => see_other("/setup"),
        Ok(false) => login_form(State(st), ctx, q).await,
        Err(e) => server_error(ctx.lang, &e.to_string()),
    }
}

/// The double-submit CSRF token of a form shown before there is a session (as on the
/// sign-in page): the cookie's, or a new one.
fn anonymous_token(ctx: &Ctx) -> kaohe_store::Result<String> {
    match ctx.jar.get(LOGIN_CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => Ok(c.value().to_string()),
        _ => kaohe_store::new_token().map(|(t, _)| t),
    }
}

fn anonymous_csrf_ok(ctx: &Ctx, form: &Form) -> bool {
    let cookie = ctx
        .jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string());
    matches!((cookie, form.get(CSRF_FIELD)), (Some(want), Some(got)) if !want.is_empty() && same(&want, got))
}

fn setup_done(ctx: &Ctx) -> Response {
    error_page(
        ctx,
        StatusCode::FORBIDDEN,
        "setup-done-title",
        "setup-done-text",
    )
}

pub(super) async fn setup_page<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> PageResult {
    match needs_setup(&st).await {
        Ok(true) => setup_form(&ctx, StatusCode::OK, "", FieldErrors::new()),
        Ok(false) => Ok(setup_done(&ctx)),
        Err(e) => Ok(server_error(ctx.lang, &e.to_string())),
    }
}

fn setup_form(ctx: &Ctx, status: StatusCode, username: &str, errors: FieldErrors) -> PageResult {
    let token = anonymous_token(ctx).or_page(ctx)?;
    let mut res = render(
        ctx,
        status,
        "setup.html",
        context! { form_csrf => token.clone(), username, errors => Serde(errors), min => MIN_PASSWORD },
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub(super) async fn setup_post<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    if !anonymous_csrf_ok(&ctx, &form) {
        return Ok(csrf_refused(&ctx));
    }
    match needs_setup(&st).await {
        Ok(true) => {}
        Ok(false) => return Ok(setup_done(&ctx)),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    }
    let given = form.get("token").unwrap_or_default().trim();
    let username = form.get("username").unwrap_or_default().trim();
    let password = form.get("password").unwrap_or_default();
    let confirm = form.get("confirm").unwrap_or_default();
    let expected = st.setup_token.lock().ok().and_then(|t| t.clone());
    let mut errors = FieldErrors::new();
    if !expected.is_some_and(|t| same(&t, given)) {
        errors.insert("token".into(), text(ctx.lang, "setup-bad-token", &[]));
        return setup_form(&ctx, StatusCode::FORBIDDEN, username, errors);
    }
    if username.is_empty() {
        errors.insert("username".into(), text(ctx.lang, "field-required", &[]));
    }
    if password.chars().count() < MIN_PASSWORD {
        let min = Arg::Num(MIN_PASSWORD as f64);
        errors.insert(
            "password".into(),
            text(ctx.lang, "password-too-short", &[("min", min)]),
        );
    } else if password != confirm {
        errors.insert("confirm".into(), text(ctx.lang, "password-mismatch", &[]));
    }
    if !errors.is_empty() {
        return setup_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, username, errors);
    }
    let made = st
        .store
        .create_user(
            "setup",
            &NewUser {
                username: username.to_string(),
                password: password.to_string(),
                emp_no: None,
                grants: vec![Grant {
                    role: Role::HrAdmin,
                    department_id: None,
                }],
                lang: tag(ctx.lang).into(),
            },
        )
        .await;
    let u = match made {
        Ok(u) => u,
        Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let field = match &e {
                StoreError::Invalid { field, .. } if field == "password" => "password",
                _ => "username",
            };
            let (_, m) = store_refusal(ctx.lang, &e);
            let m = match &e {
                StoreError::Invalid { message, .. } => in_lang(ctx.lang, message),
                _ => m,
            };
            errors.insert(field.into(), m);
            return setup_form(&ctx, StatusCode::UNPROCESSABLE_ENTITY, username, errors);
        }
    };
    if let Ok(mut t) = st.setup_token.lock() {
        *t = None;
    }
    let token = st
        .store
        .create_session(u.id, st.session_ttl)
        .await
        .or_page(&ctx)?;
    let mut res = see_other("/hr");
    if let Ok(v) = HeaderValue::from_str(&crate::session_cookie(&token, st.session_ttl)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `/login/code`: the first sign-in with the one-time code HR gave (user name, code, the
/// new password twice). Wrong codes count against the name and the address as wrong
/// passwords do (`crate::throttle`).
pub(super) async fn login_code_form<S: Store>(
    State(_st): State<AppState<S>>,
    ctx: Ctx,
) -> PageResult {
    if ctx.user.is_some() {
        return Ok(see_other("/tasks"));
    }
    login_code_page(&ctx, StatusCode::OK, "", None, FieldErrors::new())
}

fn login_code_page(
    ctx: &Ctx,
    status: StatusCode,
    username: &str,
    error: Option<String>,
    errors: FieldErrors,
) -> PageResult {
    let token = anonymous_token(ctx).or_page(ctx)?;
    let mut res = render(
        ctx,
        status,
        "login_code.html",
        context! { form_csrf => token.clone(), username, error, errors => Serde(errors), min => MIN_PASSWORD },
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub(super) async fn login_code<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    ext: axum::http::Extensions,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    if !anonymous_csrf_ok(&ctx, &form) {
        return Ok(csrf_refused(&ctx));
    }
    let username = form.get("username").unwrap_or_default().trim();
    let code = form.get("code").unwrap_or_default();
    let new = form.get("new").unwrap_or_default();
    let confirm = form.get("confirm").unwrap_or_default();
    let addr = crate::throttle::peer(&ext);
    let now = time::OffsetDateTime::now_utc();
    let locked = |wait: std::time::Duration| {
        let minutes = Arg::Num(crate::throttle::minutes(wait) as f64);
        text(ctx.lang, "login-locked", &[("minutes", minutes)])
    };
    let is_locked = crate::throttle::locked(&st.store, username, addr, now)
        .await
        .or_page(&ctx)?;
    if let Some(wait) = is_locked {
        let m = locked(wait);
        return login_code_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            username,
            Some(m),
            FieldErrors::new(),
        );
    }
    let mut errors = FieldErrors::new();
    if username.is_empty() {
        errors.insert("username".into(), text(ctx.lang, "field-required", &[]));
    }
    if code.trim().is_empty() {
        errors.insert("code".into(), text(ctx.lang, "field-required", &[]));
    }
    if new.chars().count() < MIN_PASSWORD {
        let min = Arg::Num(MIN_PASSWORD as f64);
        errors.insert(
            "new".into(),
            text(ctx.lang, "password-too-short", &[("min", min)]),
        );
    } else if new != confirm {
        errors.insert("confirm".into(), text(ctx.lang, "password-mismatch", &[]));
    }
    if !errors.is_empty() {
        return login_code_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            username,
            None,
            errors,
        );
    }
    let user = match st.store.redeem_code(username, code, new).await {
        Ok(u) => u,
        Err(StoreError::Fields(f)) => {
            let mut status = StatusCode::UNPROCESSABLE_ENTITY;
            let mut error = None;
            for (field, msg) in f {
                if field == "code" {
                    status = StatusCode::UNAUTHORIZED;
                    match crate::throttle::failed(&st.store, username, addr, now).await {
                        Ok(Some(wait)) => {
                            status = StatusCode::TOO_MANY_REQUESTS;
                            error = Some(locked(wait));
                        }
                        Ok(None) => {}
                        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
                    }
                }
                errors.insert(field, in_lang(ctx.lang, &msg));
            }
            return login_code_page(&ctx, status, username, error, errors);
        }
        Err(StoreError::Busy) => {
            let m = text(ctx.lang, "login-busy", &[]);
            return login_code_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                username,
                Some(m),
                errors,
            );
        }
        Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            return login_code_page(&ctx, status, username, Some(m), errors);
        }
    };
    if let Err(e) = crate::throttle::succeeded(&st.store, username).await {
        return Ok(server_error(ctx.lang, &e.to_string()));
    }
    let token = st
        .store
        .create_session(user.id, st.session_ttl)
        .await
        .or_page(&ctx)?;
    let mut res = see_other("/tasks");
    if let Ok(v) = HeaderValue::from_str(&crate::session_cookie(&token, st.session_ttl)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
