//! People's notification choices on the pages (issue 17, migration 0015):
//! `/notifications/settings` — which channels reach me for each kind of event, my quiet
//! hours, my own e-mail, mobile and 飞书 user id; HR's switches on `/hr/notify` (which kinds
//! are sent at all, the time zone of quiet hours) and HR setting someone's contact details
//! from the accounts page (`/hr/users/{username}/contact`).

use super::*;
use kaohe_store::policy::{self, Capability};
use kaohe_store::{
    Contact, EventKind, NotifyPrefs, NotifySettings, PERSONAL_CHANNELS, QuietHours, chosen_kinds,
    offset_label, parse_offset,
};

/// A kind of event as people read it (its own name until the catalogue has a label).
pub(super) fn kind_label(lang: Lang, k: EventKind) -> String {
    let key = format!("nkind-{}", k.as_str());
    if i18n::has(lang, &key) {
        text(lang, &key, &[])
    } else {
        k.as_str().to_string()
    }
}

#[derive(Serialize)]
struct Cell {
    channel: &'static str,
    on: bool,
}

#[derive(Serialize)]
struct KindRow {
    kind: &'static str,
    label: String,
    cells: Vec<Cell>,
}

#[derive(Serialize, Default)]
struct ContactForm {
    email: String,
    mobile: String,
    feishu_id: String,
}

impl From<Contact> for ContactForm {
    fn from(c: Contact) -> Self {
        ContactForm {
            email: c.email.unwrap_or_default(),
            mobile: c.mobile.unwrap_or_default(),
            feishu_id: c.feishu_id.unwrap_or_default(),
        }
    }
}

/// What a settings page shows back after a refused form: what was typed, and the problems
/// by field.
#[derive(Default)]
struct Typed {
    prefs: Option<(Vec<String>, String, String)>,
    contact: Option<ContactForm>,
    errors: BTreeMap<String, String>,
    saved: Option<&'static str>,
}

fn field_errors(lang: Lang, e: &StoreError, errors: &mut BTreeMap<String, String>) -> bool {
    match e {
        StoreError::Fields(f) => {
            for (field, m) in f {
                errors.insert(field.clone(), in_lang(lang, m));
            }
            true
        }
        StoreError::Invalid { field, message } => {
            errors.insert(field.clone(), in_lang(lang, message));
            true
        }
        _ => false,
    }
}

async fn settings_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    status: StatusCode,
    typed: Typed,
) -> PageResult {
    let u = ctx.signed_in()?;
    let prefs = st.store.notify_prefs(u.id).await.or_page(ctx)?;
    let hr = st.store.notify_settings().await.or_page(ctx)?;
    let contact = st.store.contact(u.id).await.or_page(ctx)?;
    let (on, qs, qe) = match typed.prefs {
        Some((on, qs, qe)) => (Some(on), qs, qe),
        None => (
            None,
            prefs
                .quiet
                .map(|q| QuietHours::hhmm(q.start))
                .unwrap_or_default(),
            prefs
                .quiet
                .map(|q| QuietHours::hhmm(q.end))
                .unwrap_or_default(),
        ),
    };
    let rows: Vec<KindRow> = chosen_kinds()
        .map(|k| KindRow {
            kind: k.as_str(),
            label: kind_label(ctx.lang, k),
            cells: PERSONAL_CHANNELS
                .iter()
                .map(|c| Cell {
                    channel: c.as_str(),
                    on: match &on {
                        Some(on) => on.contains(&format!("{}:{}", k.as_str(), c.as_str())),
                        None => prefs.allows(k, *c),
                    },
                })
                .collect(),
        })
        .collect();
    let off_by_hr: Vec<&str> = hr.kinds_off.iter().map(|k| k.as_str()).collect();
    let channels: Vec<&str> = PERSONAL_CHANNELS.iter().map(|c| c.as_str()).collect();
    Ok(render(
        ctx,
        status,
        "notify_settings.html",
        context! {
            rows => Serde(rows),
            channels,
            off_by_hr,
            quiet_start => qs,
            quiet_end => qe,
            tz => offset_label(hr.utc_offset),
            contact => Serde(typed.contact.unwrap_or_else(|| contact.into())),
            errors => Serde(typed.errors),
            saved => typed.saved,
        },
    ))
}

#[derive(serde::Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

/// `/notifications/settings`: my channels per kind, quiet hours, contact details.
pub(super) async fn notify_settings_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> PageResult {
    let saved = match q.saved.as_deref() {
        Some("prefs") => Some("prefs"),
        Some("contact") => Some("contact"),
        _ => None,
    };
    settings_page(
        &st,
        &ctx,
        StatusCode::OK,
        Typed {
            saved,
            ..Default::default()
        },
    )
    .await
}

/// Save my channels per kind (`on` = `kind:channel`, one per ticked box) and quiet hours.
pub(super) async fn notify_settings_save<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let u = ctx.signed_in()?.clone();
    let on = form.all("on");
    let qs = form.get("quiet_start").unwrap_or_default().to_string();
    let qe = form.get("quiet_end").unwrap_or_default().to_string();
    let mut errors = BTreeMap::new();
    let quiet = match QuietHours::parse(&qs, &qe) {
        Ok(q) => q,
        Err(e) => {
            field_errors(ctx.lang, &e, &mut errors);
            None
        }
    };
    if !errors.is_empty() {
        let typed = Typed {
            prefs: Some((on, qs, qe)),
            errors,
            ..Default::default()
        };
        return settings_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, typed).await;
    }
    let mut p = NotifyPrefs {
        quiet,
        ..Default::default()
    };
    for k in chosen_kinds() {
        for c in PERSONAL_CHANNELS {
            if !on.contains(&format!("{}:{}", k.as_str(), c.as_str())) {
                p.off.insert((k, c));
            }
        }
    }
    st.store
        .set_notify_prefs(&u.username, u.id, &p)
        .await
        .or_page(&ctx)?;
    Ok(see_other("/notifications/settings?saved=prefs"))
}

fn contact_of(form: &Form) -> Contact {
    let f = |k: &str| form.get(k).map(str::to_string);
    Contact {
        email: f("email"),
        mobile: f("mobile"),
        feishu_id: f("feishu_id"),
    }
}

/// Save my own e-mail, mobile and 飞书 user id.
pub(super) async fn notify_contact_save<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let u = ctx.signed_in()?.clone();
    let c = contact_of(&form);
    match st.store.set_contact(&u.username, &u.username, &c).await {
        Ok(()) => Ok(see_other("/notifications/settings?saved=contact")),
        Err(e) => {
            let mut errors = BTreeMap::new();
            if !field_errors(ctx.lang, &e, &mut errors) {
                return Err(PageError(Box::new(store_error_page(&ctx, &e))));
            }
            let typed = Typed {
                contact: Some(c.into()),
                errors,
                ..Default::default()
            };
            settings_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, typed).await
        }
    }
}

// ---- HR ----

#[derive(Serialize)]
pub(super) struct KindSwitch {
    kind: &'static str,
    label: String,
    on: bool,
}

/// HR's switches as `/hr/notify` shows them.
pub(super) fn kind_switches(lang: Lang, s: &NotifySettings) -> Vec<KindSwitch> {
    chosen_kinds()
        .map(|k| KindSwitch {
            kind: k.as_str(),
            label: kind_label(lang, k),
            on: !s.kinds_off.contains(&k),
        })
        .collect()
}

/// HR: which kinds are sent at all (`on` = kind, one per ticked box) and the time zone.
pub(super) async fn hr_notify_settings_save<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let me = hr_only(&ctx, Capability::ManageOrg)?;
    let on = form.all("on");
    let utc_offset = match parse_offset(form.get("utc_offset").unwrap_or_default()) {
        Ok(o) => o,
        Err(e) => {
            let m = format!("utc_offset: {}", in_lang(ctx.lang, &e.text()));
            return Ok(
                hr_notify_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(m), None).await,
            );
        }
    };
    let s = NotifySettings {
        kinds_off: chosen_kinds()
            .filter(|k| !on.iter().any(|o| o == k.as_str()))
            .collect(),
        utc_offset,
    };
    st.store
        .set_notify_settings(&me.username, &s)
        .await
        .or_page(&ctx)?;
    Ok(see_other("/hr/notify#kinds"))
}

async fn hr_contact_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    username: &str,
    status: StatusCode,
    typed: Option<ContactForm>,
    errors: BTreeMap<String, String>,
) -> PageResult {
    let u = st
        .store
        .user_by_name(username)
        .await
        .or_page(ctx)?
        .ok_or_else(|| page_not_found(ctx))?;
    let contact = match typed {
        Some(c) => c,
        None => st.store.contact(u.id).await.or_page(ctx)?.into(),
    };
    Ok(render(
        ctx,
        status,
        "hr_user_contact.html",
        context! {
            action => format!("/hr/users/{}/contact", encoded(&u.username)),
            username => u.username,
            contact => Serde(contact),
            errors => Serde(errors),
        },
    ))
}

/// HR: someone's contact details (from the accounts page).
pub(super) async fn hr_user_contact<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(username): Path<String>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageOrg)?;
    hr_contact_page(&st, &ctx, &username, StatusCode::OK, None, BTreeMap::new()).await
}

/// HR saves someone's contact details (audited old → new, HR as the actor).
pub(super) async fn hr_user_contact_save<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(username): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let me = hr_only(&ctx, Capability::ManageOrg)?;
    let target = st
        .store
        .user_by_name(&username)
        .await
        .or_page(&ctx)?
        .ok_or_else(|| page_not_found(&ctx))?;
    if let Err(d) = policy::may_edit_contact(&me, target.id) {
        return Err(PageError(Box::new(store_error_page(&ctx, &d.into()))));
    }
    let c = contact_of(&form);
    match st.store.set_contact(&me.username, &username, &c).await {
        Ok(()) => Ok(see_other("/hr/users")),
        Err(e) => {
            let mut errors = BTreeMap::new();
            if !field_errors(ctx.lang, &e, &mut errors) {
                return Err(PageError(Box::new(store_error_page(&ctx, &e))));
            }
            hr_contact_page(
                &st,
                &ctx,
                &username,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(c.into()),
                errors,
            )
            .await
        }
    }
}
