//! The pages' error type: a handler returns [`PageResult`] and leaves early with `?` —
//! a store or office refusal becomes the page that says so in the reader's language
//! ([`OrPage`]), someone not signed in goes to the sign-in page ([`Ctx::signed_in`]), a
//! form without the session's CSRF token is refused ([`Form::csrf`]).

use super::*;
use crate::office::OfficeFail;

/// A page handler's early exit: the response to send instead (so handlers use `?`).
pub(super) struct PageError(pub(super) Box<Response>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<Box<Response>> for PageError {
    fn from(r: Box<Response>) -> Self {
        PageError(r)
    }
}

/// What a page handler returns.
pub(super) type PageResult = Result<Response, PageError>;

/// Turns a store or office refusal into the page that says so, in the reader's language.
pub(super) trait OrPage<T> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, StoreError> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError> {
        self.map_err(|e| PageError(Box::new(store_error_page(ctx, &e))))
    }
}

impl<T> OrPage<T> for Result<T, OfficeFail> {
    fn or_page(self, ctx: &Ctx) -> Result<T, PageError> {
        self.map_err(|e| office_error(ctx, e))
    }
}

pub(super) fn office_error(ctx: &Ctx, e: OfficeFail) -> PageError {
    match e {
        OfficeFail::Store(e) => PageError(Box::new(store_error_page(ctx, &e))),
        OfficeFail::NotFound(_) => PageError(Box::new(not_found(ctx))),
        OfficeFail::Internal(m) => PageError(Box::new(server_error(ctx.lang, &m))),
        other => PageError(Box::new(error_text_page(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &in_lang(ctx.lang, &other.to_string()),
        ))),
    }
}

pub(super) fn store_error_page(ctx: &Ctx, e: &StoreError) -> Response {
    match e {
        StoreError::NotFound { .. } => not_found(ctx),
        e if is_internal(e) => server_error(ctx.lang, &e.to_string()),
        e => {
            let (status, m) = store_refusal(ctx.lang, e);
            error_text_page(ctx, status, &m)
        }
    }
}

pub(super) fn error_text_page(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    render(
        ctx,
        status,
        "error.html",
        context! {
            title_key => "error-refused-title",
            message => message,
        },
    )
}

impl Ctx {
    /// The signed-in user, or the way to the sign-in page (coming back here afterwards).
    pub(super) fn signed_in(&self) -> Result<&User, PageError> {
        self.user
            .as_ref()
            .ok_or_else(|| PageError(Box::new(to_login(self))))
    }
}

impl Form {
    /// Carries the session's CSRF token, or the 403 page.
    pub(super) fn csrf(&self, ctx: &Ctx) -> Result<(), PageError> {
        if self.csrf_ok(ctx) {
            Ok(())
        } else {
            Err(PageError(Box::new(csrf_refused(ctx))))
        }
    }
}

/// A page that is not there (or not the reader's to see) as an early exit.
pub(super) fn page_not_found(ctx: &Ctx) -> PageError {
    PageError(Box::new(not_found(ctx)))
}

/// A record id from the path, or the 404 page.
pub(super) fn path_id(ctx: &Ctx, id: &str) -> Result<i64, PageError> {
    id.parse::<i64>().map_err(|_| page_not_found(ctx))
}
