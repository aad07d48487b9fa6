//! HR gives and takes roles in the browser (/hr/users), each for every department or one;
//! the access policy follows at once, and the audit log has old → new.

use crate::common;
use common::{App, add_user, both, csrf_of, page, post_form, send, spawn_app, web_login};
use kaohe_store::{Grant, Role, Store};
use reqwest::StatusCode;

both!(hr_scopes_a_reviewer_to_one_department_in_the_browser);

const ORG: &str = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号
A001,张伟,SC,市场部,业务,大客户经理,
K001,黄磊,KF,客服部,业务,客服经理,
";

async fn hr_scopes_a_reviewer_to_one_department_in_the_browser(app: App) {
    let b = app.base.clone();
    let hr_grant = Grant {
        role: Role::HrAdmin,
        department_id: None,
    };
    add_user(&app, "hr", None, vec![hr_grant.clone()]).await;
    add_user(&app, "fuhe", None, vec![]).await;
    let hr = web_login(&app, "hr").await;
    let (s, r) = send(hr.post(format!("{b}/api/org/import")).body(ORG)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let kf = app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "KF")
        .unwrap()
        .id;

    // The page lists the users and offers every department.
    let (s, html) = page(&hr, &format!("{b}/hr/users")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("用户与权限") && html.contains("fuhe") && html.contains("客服部"));
    let csrf = csrf_of(&html);
    let url = format!("{b}/hr/users/fuhe/grants");
    let kf_s = kf.to_string();
    let (s, path, html) = post_form(
        &hr,
        &url,
        &[
            ("csrf", &csrf),
            ("action", "add"),
            ("role", "reviewer"),
            ("department", &kf_s),
        ],
    )
    .await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/users"), "{html}");
    assert!(html.contains("复核 @ 客服部"), "{html}");
    let fuhe = app.store.user_by_name("fuhe").await.unwrap().unwrap();
    assert_eq!(
        fuhe.grants,
        vec![Grant {
            role: Role::Reviewer,
            department_id: Some(kf)
        }]
    );
    // The policy follows: fuhe sees 客服部's employees only.
    let c = common::login(&app, "fuhe").await;
    let (s, e) = send(c.get(format!("{b}/api/employees"))).await;
    assert_eq!(s, StatusCode::OK);
    let text = e.to_string();
    assert!(text.contains("黄磊") && !text.contains("张伟"), "{text}");
    // Audited old → new.
    let log = app.store.audit_log(0, 1000).await.unwrap();
    let last = log
        .iter()
        .rev()
        .find(|e| e.action == "user.grants")
        .unwrap();
    assert_eq!(last.new_value.as_deref(), Some("reviewer@客服部"));
    assert_eq!(last.actor, "hr");

    // Bad input is said in place; nothing changes.
    let (s, _, html) = post_form(
        &hr,
        &url,
        &[
            ("csrf", &csrf),
            ("action", "add"),
            ("role", "boss"),
            ("department", ""),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请选择角色和部门"), "{html}");
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/users/hr/grants"),
        &[("csrf", &csrf), ("action", "remove"), ("grant", "hr_admin")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("不能收回自己的人事管理员角色"), "{html}");
    // Without the CSRF token, refused.
    let (s, _, _) = post_form(&hr, &url, &[("action", "remove"), ("grant", "reviewer")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Taking the role back.
    let key = format!("reviewer@{kf}");
    let (s, _, html) = post_form(
        &hr,
        &url,
        &[("csrf", &csrf), ("action", "remove"), ("grant", &key)],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        app.store
            .user_by_name("fuhe")
            .await
            .unwrap()
            .unwrap()
            .grants
            .is_empty()
    );
    // Only HR reaches the page.
    let (s, _) = page(&c, &format!("{b}/hr/users")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
