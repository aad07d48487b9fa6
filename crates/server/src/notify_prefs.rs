//! The API of people's notification choices (issue 17, migration 0015): my channels per kind
//! and quiet hours, my contact details (and HR setting anyone's), HR's kinds switched off and
//! the time zone quiet hours are read in. The pages (`/notifications/settings`, `/hr/notify`)
//! call the same store methods.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody, field_error};
use crate::{ApiJson, ApiPath as Path};
use axum::extract::State;
use kaohe_store::policy::{self, Capability};
use kaohe_store::{
    ChannelKind, Contact, EventKind, NotifyPrefs, NotifySettings, PERSONAL_CHANNELS, QuietHours,
    Store, StoreError, Text, chosen_kinds, offset_label, parse_offset,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// My notification choices.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotifyPrefsView {
    /// Per kind of event (`task-assigned`, `result-published`, `auto-confirmed`,
    /// `appeal-filed`, `appeal-decided`, `cycle-closed`, `reminder`, …), per personal channel
    /// (`email`, `dingtalk`, `feishu`, `wecom`): does it reach me? In-app is always on. On
    /// writing, a kind or channel left out stays on.
    pub channels: BTreeMap<String, BTreeMap<String, bool>>,
    /// Quiet hours, `HH:MM` (both null: none); start after end spans midnight.
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// The time zone quiet hours are read in (HR's setting, read only here), e.g. `+08:00`.
    #[serde(default)]
    pub utc_offset: String,
}

fn prefs_view(p: &NotifyPrefs, s: &NotifySettings) -> NotifyPrefsView {
    NotifyPrefsView {
        channels: chosen_kinds()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    PERSONAL_CHANNELS
                        .iter()
                        .map(|c| (c.as_str().to_string(), p.allows(k, *c)))
                        .collect(),
                )
            })
            .collect(),
        quiet_start: p.quiet.map(|q| QuietHours::hhmm(q.start)),
        quiet_end: p.quiet.map(|q| QuietHours::hhmm(q.end)),
        utc_offset: offset_label(s.utc_offset),
    }
}

fn invalid(field: String, zh: String, en: String) -> ApiError {
    ApiError::Invalid(vec![field_error(field, &Text::pair(zh, en), None)])
}

/// My notification choices.
#[utoipa::path(get, path = "/api/me/notify-prefs", responses((status = 200, body = NotifyPrefsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_prefs<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<NotifyPrefsView>> {
    let p = st.store.notify_prefs(auth.0.id).await?;
    let s = st.store.notify_settings().await?;
    Ok(axum::Json(prefs_view(&p, &s)))
}

/// Replace my notification choices (audited old → new).
#[utoipa::path(put, path = "/api/me/notify-prefs", request_body = NotifyPrefsView, responses((status = 200, body = NotifyPrefsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_my_prefs<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    ApiJson(v): ApiJson<NotifyPrefsView>,
) -> ApiResult<axum::Json<NotifyPrefsView>> {
    let mut p = NotifyPrefs {
        quiet: QuietHours::parse(
            v.quiet_start.as_deref().unwrap_or(""),
            v.quiet_end.as_deref().unwrap_or(""),
        )?,
        ..Default::default()
    };
    for (kind, chans) in &v.channels {
        let k = EventKind::parse(kind)
            .filter(|k| chosen_kinds().any(|c| c == *k))
            .ok_or_else(|| {
                invalid(
                    format!("channels.{kind}"),
                    format!("没有 `{kind}` 这类消息"),
                    format!("there is no kind of message `{kind}`"),
                )
            })?;
        for (ch, on) in chans {
            let c = ChannelKind::parse(ch)
                .filter(|c| PERSONAL_CHANNELS.contains(c))
                .ok_or_else(|| {
                    invalid(
                        format!("channels.{kind}.{ch}"),
                        format!("渠道 `{ch}` 不对，应为 email、dingtalk、feishu 或 wecom"),
                        format!("the channel `{ch}` should be email, dingtalk, feishu or wecom"),
                    )
                })?;
            if !on {
                p.off.insert((k, c));
            }
        }
    }
    let me = &auth.0;
    st.store.set_notify_prefs(&me.username, me.id, &p).await?;
    my_prefs(State(st), auth).await
}

/// Contact details.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ContactView {
    /// An e-mail address (name@example.com).
    pub email: Option<String>,
    /// 11 digits starting with 1 (mainland China), or `+` and the country code.
    pub mobile: Option<String>,
    /// The 飞书 user id a 飞书 robot @-mentions.
    pub feishu_id: Option<String>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        ContactView {
            email: c.email,
            mobile: c.mobile,
            feishu_id: c.feishu_id,
        }
    }
}

impl From<ContactView> for Contact {
    fn from(c: ContactView) -> Self {
        Contact {
            email: c.email,
            mobile: c.mobile,
            feishu_id: c.feishu_id,
        }
    }
}

/// My contact details.
#[utoipa::path(get, path = "/api/me/contact", responses((status = 200, body = ContactView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_contact<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<ContactView>> {
    Ok(axum::Json(st.store.contact(auth.0.id).await?.into()))
}

/// Set my contact details (validated, each problem naming its field; audited old → new).
#[utoipa::path(put, path = "/api/me/contact", request_body = ContactView, responses((status = 200, body = ContactView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_my_contact<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    ApiJson(c): ApiJson<ContactView>,
) -> ApiResult<axum::Json<ContactView>> {
    let me = &auth.0;
    st.store
        .set_contact(&me.username, &me.username, &c.into())
        .await?;
    Ok(axum::Json(st.store.contact(me.id).await?.into()))
}

/// Set someone's contact details: one's own, or anyone's for HR (audited old → new).
#[utoipa::path(put, path = "/api/users/{username}/contact", params(("username" = String, Path)), request_body = ContactView, responses((status = 200, body = ContactView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_user_contact<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    Path(username): Path<String>,
    ApiJson(c): ApiJson<ContactView>,
) -> ApiResult<axum::Json<ContactView>> {
    let target = st
        .store
        .user_by_name(&username)
        .await?
        .ok_or(StoreError::NotFound {
            what: kaohe_store::Thing::User,
            key: username.clone(),
        })?;
    policy::may_edit_contact(&auth.0, target.id)?;
    st.store
        .set_contact(&auth.0.username, &username, &c.into())
        .await?;
    Ok(axum::Json(st.store.contact(target.id).await?.into()))
}

/// HR's notification settings.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotifySettingsView {
    /// Per kind of event: is it sent over the channels at all? (Off: in-app only.) On
    /// writing, a kind left out is on.
    pub kinds: BTreeMap<String, bool>,
    /// The time zone quiet hours are read in, a UTC offset such as `+08:00`.
    pub utc_offset: String,
}

fn settings_view(s: &NotifySettings) -> NotifySettingsView {
    NotifySettingsView {
        kinds: chosen_kinds()
            .map(|k| (k.as_str().to_string(), !s.kinds_off.contains(&k)))
            .collect(),
        utc_offset: offset_label(s.utc_offset),
    }
}

/// HR's notification settings: kinds sent, time zone of quiet hours.
#[utoipa::path(get, path = "/api/notify/settings", responses((status = 200, body = NotifySettingsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn settings<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<NotifySettingsView>> {
    auth.may_all(Capability::ManageOrg)?;
    Ok(axum::Json(settings_view(
        &st.store.notify_settings().await?,
    )))
}

/// Replace HR's notification settings (audited old → new).
#[utoipa::path(put, path = "/api/notify/settings", request_body = NotifySettingsView, responses((status = 200, body = NotifySettingsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_settings<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    ApiJson(v): ApiJson<NotifySettingsView>,
) -> ApiResult<axum::Json<NotifySettingsView>> {
    let me = auth.may_all(Capability::ManageOrg)?;
    let mut s = NotifySettings {
        utc_offset: parse_offset(&v.utc_offset)?,
        ..Default::default()
    };
    for (kind, on) in &v.kinds {
        let k = EventKind::parse(kind)
            .filter(|k| chosen_kinds().any(|c| c == *k))
            .ok_or_else(|| {
                invalid(
                    format!("kinds.{kind}"),
                    format!("没有 `{kind}` 这类消息"),
                    format!("there is no kind of message `{kind}`"),
                )
            })?;
        if !on {
            s.kinds_off.insert(k);
        }
    }
    st.store.set_notify_settings(&me.username, &s).await?;
    Ok(axum::Json(settings_view(
        &st.store.notify_settings().await?,
    )))
}
