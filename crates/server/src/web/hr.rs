//! The HR home page: the sections of HR's work, for HR administrators only.

use super::*;
use kaohe_store::policy::{self, Capability};

/// The HR sections the home page links to, one line each: (address, title key, text key).
pub(super) const HR_SECTIONS: &[(&str, &str, &str)] = &[
    ("/hr/org", "hr-org-title", "hr-org-text"),
    ("/hr/templates", "hr-templates-title", "hr-templates-text"),
    ("/hr/cycles", "nav-hr-cycles", "hr-cycles-text"),
    ("/hr/appeals", "nav-hr-appeals", "hr-appeals-text"),
    ("/hr/audit", "nav-hr-audit", "hr-audit-text"),
    ("/hr/users", "users-title", "hr-users-text"),
];

/// The signed-in user, if the access policy gives them `cap` over every department; for
/// anyone else the response to give instead: the sign-in page when nobody is signed in,
/// the 403 page otherwise.
pub(super) fn hr_only(ctx: &Ctx, cap: Capability) -> Result<User, Box<Response>> {
    match &ctx.user {
        None => Err(Box::new(to_login(ctx))),
        Some(u) if policy::require(u, cap).is_ok_and(|s| s.is_all()) => Ok(u.clone()),
        Some(_) => Err(Box::new(error_page(
            ctx,
            StatusCode::FORBIDDEN,
            "error-403-title",
            "error-403-hr",
        ))),
    }
}

pub(super) async fn hr_home<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> PageResult {
    hr_only(&ctx, Capability::ManageCycles)?;
    let (depts, counts, forms) = match (
        st.store.departments().await,
        st.store.employee_counts().await,
        st.store.templates().await,
    ) {
        (Ok(d), Ok(c), Ok(f)) => (d, c, f),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return Ok(server_error(ctx.lang, &e.to_string()));
        }
    };
    let sections: Vec<Value> = HR_SECTIONS
        .iter()
        .map(|(href, title, text)| context! { href => *href, title => *title, text => *text })
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        "hr.html",
        context! {
            sections,
            departments => depts.len(),
            employees => counts.values().sum::<i64>(),
            forms => forms.len(),
        },
    ))
}

/// The start of every HR form POST about one cycle: the CSRF token checked, HR only, the
/// cycle id parsed; the form, the user and the id, or the page to answer with.
pub(super) fn hr_post(
    ctx: &Ctx,
    body: &[u8],
    id: &str,
) -> Result<(Form, User, i64), Box<Response>> {
    let form = Form::parse(body);
    if !form.csrf_ok(ctx) {
        return Err(Box::new(csrf_refused(ctx)));
    }
    let me = hr_only(ctx, Capability::ManageCycles)?;
    let Ok(id) = id.parse::<i64>() else {
        return Err(Box::new(not_found(ctx)));
    };
    Ok((form, me, id))
}

#[cfg(test)]
mod tests {
    use super::super::i18n::{EN_FTL, ZH_FTL, keys};

    #[test]
    fn every_hr_section_has_its_messages() {
        for (_, title, text) in super::HR_SECTIONS {
            for src in [ZH_FTL, EN_FTL] {
                let k = keys(src);
                assert!(k.iter().any(|x| x == title), "{title} missing");
                assert!(k.iter().any(|x| x == text), "{text} missing");
            }
        }
    }
}
