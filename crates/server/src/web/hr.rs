use super::*;

pub(super) fn todo(ctx: &Ctx, what: &str) -> Response {
    if ctx.user.is_none() {
        return to_login(ctx);
    }
    render(
        ctx,
        StatusCode::OK,
        "todo.html",
        context! { what_key => what },
    )
}

/// The HR pages: still to come.
pub(super) async fn todo_hr(ctx: Ctx) -> Response {
    todo(&ctx, "todo-hr")
}
