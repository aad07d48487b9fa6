use super::*;

pub(super) async fn home(ctx: Ctx) -> Response {
    if ctx.user.is_some() {
        see_other("/tasks")
    } else {
        see_other("/login")
    }
}

#[derive(serde::Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

pub(super) async fn login_form<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    if ctx.user.is_some() {
        return see_other(safe_next(q.next.as_deref()));
    }
    login_page(&st, &ctx, q.next.as_deref(), None, Failed::No)
}

/// Why the sign-in form is shown again.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Failed {
    No,
    /// A wrong name or password.
    Wrong,
    /// Too many wrong passwords for the name: paused for this many minutes.
    Locked(u64),
    /// Too many sign-ins at once (the password checks are queued full): try again.
    Busy,
    /// A demo account's default password, outside `--demo` (`crate::ops`).
    DemoPassword,
}

pub(super) fn login_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    next: Option<&str>,
    username: Option<&str>,
    failed: Failed,
) -> Response {
    let status = match failed {
        Failed::No => StatusCode::OK,
        Failed::Wrong => StatusCode::UNAUTHORIZED,
        Failed::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
        Failed::Busy => StatusCode::SERVICE_UNAVAILABLE,
        Failed::DemoPassword => StatusCode::FORBIDDEN,
    };
    let token = match ctx.jar.get(LOGIN_CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => c.value().to_string(),
        _ => match kaohe_store::new_token() {
            Ok((t, _)) => t,
            Err(e) => return server_error(ctx.lang, &e.to_string()),
        },
    };
    let demo: Vec<Value> = if st.demo {
        DEMO_USERS
            .iter()
            .map(|u| context! { name => *u, key => format!("demo-user-{u}") })
            .collect()
    } else {
        Vec::new()
    };
    let mut res = render(
        ctx,
        status,
        "login.html",
        context! {
            form_csrf => token.clone(),
            next => safe_next(next),
            username => username.unwrap_or_default(),
            failed => failed == Failed::Wrong,
            busy => failed == Failed::Busy,
            demo_refused => failed == Failed::DemoPassword,
            locked_minutes => match failed {
                Failed::Locked(m) => Some(m),
                _ => None,
            },
            demo,
            demo_password => DEMO_PASSWORD,
        },
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(super) async fn login<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    ext: axum::http::Extensions,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    let cookie = ctx
        .jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string());
    match (cookie, form.get(CSRF_FIELD)) {
        (Some(want), Some(got)) if !want.is_empty() && same(&want, got) => {}
        _ => return csrf_refused(&ctx),
    }
    let username = form.get("username").unwrap_or_default().trim();
    let password = form.get("password").unwrap_or_default();
    let next = safe_next(form.get("next")).to_string();
    use crate::throttle::SignInFail;
    let addr = crate::throttle::peer(&ext);
    let token = match crate::throttle::sign_in(&st, username, password, addr).await {
        Ok((_, token)) => token,
        Err(e) => {
            let failed = match e {
                SignInFail::Locked(m) => Failed::Locked(m),
                SignInFail::DemoPassword => Failed::DemoPassword,
                SignInFail::Wrong => Failed::Wrong,
                SignInFail::Busy => Failed::Busy,
                SignInFail::Store(e) => return server_error(ctx.lang, &e.to_string()),
            };
            return login_page(&st, &ctx, Some(&next), Some(username), failed);
        }
    };
    let mut res = see_other(&next);
    if let Ok(v) = HeaderValue::from_str(&crate::session_cookie(&token, st.session_ttl)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(super) async fn logout<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    if let Some(t) = &ctx.session
        && let Err(e) = st.store.delete_session(t).await
    {
        return Ok(server_error(ctx.lang, &e.to_string()));
    }
    let mut res = see_other("/login");
    if let Ok(v) = HeaderValue::from_str(&crate::session_cookie("", time::Duration::ZERO)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
