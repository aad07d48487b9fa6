//! HR gives and takes roles in the browser (/hr/users), each for every department or one;
//! the access policy follows at once, and the audit log has old → new.

use crate::common;
use common::{
    App, add_user, assert_complete, both, client, csrf_of, page, post_form, send, spawn_app,
    submit_login, web_login,
};
use kaohe_store::{Grant, Role, Store};
use reqwest::StatusCode;

both!(
    hr_scopes_a_reviewer_to_one_department_in_the_browser,
    hr_opens_an_account_and_its_owner_signs_in_with_the_code,
    accounts_through_the_api,
);

/// The same through the API: a new code (the old password stops), disable and enable;
/// only HR.
async fn accounts_through_the_api(app: App) {
    let hr = app.user("hr", Role::HrAdmin).await;
    add_user(&app, "zhangwei", None, vec![]).await;
    let login = |pw: &'static str| {
        let c = client();
        let url = format!("{}/api/login", app.base);
        async move {
            c.post(url)
                .json(&serde_json::json!({"username": "zhangwei", "password": pw}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(login("a long password").await, StatusCode::OK);
    let other = common::login(&app, "zhangwei").await;
    let (s, _) = send(other.post(format!("{}/api/users/hr/disable", app.base))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only HR");
    let (s, b) = send(hr.post(format!("{}/api/users/zhangwei/disable", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["disabled"], true);
    assert_eq!(login("a long password").await, StatusCode::UNAUTHORIZED);
    let (s, b) = send(hr.post(format!("{}/api/users/zhangwei/enable", app.base))).await;
    assert_eq!(
        (s, b["disabled"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{b}"
    );
    assert_eq!(login("a long password").await, StatusCode::OK);
    let (s, b) = send(hr.post(format!("{}/api/users/zhangwei/code", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["code"].as_str().map(str::len), Some(8), "{b}");
    assert_eq!(
        login("a long password").await,
        StatusCode::UNAUTHORIZED,
        "the old password ends"
    );
    let (s, _) = send(hr.post(format!("{}/api/users/nobody/code", app.base))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

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

/// The text of the first `<code class="code">` of a page: a one-time code shown to HR.
fn code_of(html: &str) -> String {
    let at = html
        .find(r#"<code class="code">"#)
        .expect("a code on the page");
    let rest = &html[at + r#"<code class="code">"#.len()..];
    rest[..rest.find('<').unwrap()].to_string()
}

async fn hr_opens_an_account_and_its_owner_signs_in_with_the_code(app: App) {
    let b = app.base.clone();
    add_user(
        &app,
        "hr",
        None,
        vec![Grant {
            role: Role::HrAdmin,
            department_id: None,
        }],
    )
    .await;
    add_user(&app, "fuhe", None, vec![]).await;
    let hr = web_login(&app, "hr").await;
    let (s, r) = send(hr.post(format!("{b}/api/org/import")).body(ORG)).await;
    assert_eq!(s, StatusCode::OK, "{r}");

    let (s, html) = page(&hr, &format!("{b}/hr/users")).await;
    assert_eq!(s, StatusCode::OK);
    assert_complete("/hr/users", &html);
    assert!(html.contains("为员工开通账号"), "{html}");
    let csrf = csrf_of(&html);
    // HR opens an account for K001 (黄磊) as an employee.
    let create = format!("{b}/hr/users/create");
    let (s, _, html) = post_form(
        &hr,
        &create,
        &[("csrf", &csrf), ("emp_no", "K001"), ("role", "employee")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_complete("/hr/users/create", &html);
    assert!(
        html.contains("k001") && html.contains("本页关闭后不再显示"),
        "{html}"
    );
    let code = code_of(&html);
    assert_eq!(code.len(), kaohe_store::CODE_LEN);
    // Asked again, refused in place, naming the employee.
    let (s, _, html) = post_form(&hr, &create, &[("csrf", &csrf), ("emp_no", "K001")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("黄磊") && html.contains("已有账号"), "{html}");
    // The list shows the account waiting for its first sign-in.
    let (_, html) = page(&hr, &format!("{b}/hr/users")).await;
    assert!(html.contains("等待首次登录"), "{html}");

    // The code alone does not sign in at /login.
    let c = client();
    let (s, _, _) = submit_login(&c, &format!("{b}/login"), "k001", &code).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The sign-in page links to the first sign-in.
    let (_, html) = page(&c, &format!("{b}/login")).await;
    assert!(html.contains("/login/code") && html.contains("首次登录"));
    let url = format!("{b}/login/code");
    let (s, html) = page(&c, &url).await;
    assert_eq!(s, StatusCode::OK);
    assert_complete("/login/code", &html);
    let form_csrf = csrf_of(&html);
    // A wrong code is refused in place.
    let (s, _, html) = post_form(
        &c,
        &url,
        &[
            ("csrf", &form_csrf),
            ("username", "k001"),
            ("code", "ABCDEFGH"),
            ("new", "blue river 42"),
            ("confirm", "blue river 42"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{html}");
    assert!(html.contains("登录码不正确"), "{html}");
    // A weak password is refused with the reason.
    let (s, _, html) = post_form(
        &c,
        &url,
        &[
            ("csrf", &form_csrf),
            ("username", "k001"),
            ("code", &code),
            ("new", "1234567890"),
            ("confirm", "1234567890"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("连续"), "{html}");
    // The right code sets the password and signs in.
    let (s, path, html) = post_form(
        &c,
        &url,
        &[
            ("csrf", &form_csrf),
            ("username", "k001"),
            ("code", &code),
            ("new", "blue river 42"),
            ("confirm", "blue river 42"),
        ],
    )
    .await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/tasks"), "{html}");
    // Then the normal sign-in works.
    let c2 = client();
    let (s, path, _) = submit_login(&c2, &format!("{b}/login"), "k001", "blue river 42").await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/tasks"));

    // HR disables the account: the sign-in is refused and the session ends.
    let (_, html) = page(&hr, &format!("{b}/hr/users")).await;
    let csrf = csrf_of(&html);
    let state = format!("{b}/hr/users/k001/state");
    let (s, path, html) = post_form(&hr, &state, &[("csrf", &csrf), ("action", "disable")]).await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/users"), "{html}");
    assert!(html.contains("已停用"), "{html}");
    let (s, _, _) = submit_login(&client(), &format!("{b}/login"), "k001", "blue river 42").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, path) = {
        let r = c2.get(format!("{b}/tasks")).send().await.unwrap();
        (r.status(), r.url().path().to_string())
    };
    assert_eq!(path, "/login", "the disabled user's session ended");
    // Enabled again, the password works again.
    let (s, _, _) = post_form(&hr, &state, &[("csrf", &csrf), ("action", "enable")]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, path, _) =
        submit_login(&client(), &format!("{b}/login"), "k001", "blue river 42").await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/tasks"));

    // A reset shows a new code once; the old password stops working.
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/users/k001/code"), &[("csrf", &csrf)]).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("原密码和所有会话已失效"), "{html}");
    assert_ne!(code_of(&html), code);
    let (s, _, _) = submit_login(&client(), &format!("{b}/login"), "k001", "blue river 42").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A whole department: 市场部's one employee without an account.
    let sc = app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "SC")
        .unwrap()
        .id
        .to_string();
    let (s, _, html) = post_form(&hr, &create, &[("csrf", &csrf), ("department", &sc)]).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("a001"), "{html}");
    let (s, _, html) = post_form(&hr, &create, &[("csrf", &csrf), ("department", &sc)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("都已有账号"), "{html}");
    // Without the CSRF token, refused.
    let (s, _, _) = post_form(&hr, &create, &[("emp_no", "K001")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Someone who is not HR gets 403 on every new form.
    let other = web_login(&app, "fuhe").await;
    let (_, html) = page(&other, &format!("{b}/tasks")).await;
    let theirs = csrf_of(&html);
    for (url, fields) in [
        (
            create.clone(),
            vec![("csrf", theirs.as_str()), ("emp_no", "K001")],
        ),
        (
            format!("{b}/hr/users/k001/code"),
            vec![("csrf", theirs.as_str())],
        ),
        (
            state.clone(),
            vec![("csrf", theirs.as_str()), ("action", "disable")],
        ),
    ] {
        let (s, _, _) = post_form(&other, &url, &fields).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
    }
    assert!(
        !app.store
            .user_by_name("k001")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    // The English page reads in English.
    let (_, html) = page(&hr, &format!("{b}/hr/users?lang=en")).await;
    assert_complete("/hr/users?lang=en", &html);
    assert!(html.contains("Create accounts"), "{html}");
}
