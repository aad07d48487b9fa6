//! The organisation page (`/hr/org`): departments with their kind and head count, the
//! employees 200 a page with a search by 工号 or name, and the organisation import (the
//! CSV of `kaohe org import` and `POST /api/org/import`, uploaded or pasted; all rows or
//! none; a check without storing).

use super::*;
use kaohe_store::policy::Capability;

/// Employees per page.
pub(super) const ORG_PAGE: i64 = 200;

/// The largest upload the HR pages take (an organisation CSV, a template).
pub(super) const UPLOAD_LIMIT: usize = 32 << 20;

/// A file sent with a form.
pub(super) struct Upload {
    pub name: String,
    pub filename: String,
    pub data: Vec<u8>,
}

/// A submitted form, URL-encoded or `multipart/form-data` (its files apart). The multipart
/// body is read by `multer`, the parser behind axum's own `Multipart`; a body that is not
/// what its content type says reads as an empty form (and so fails its CSRF check).
pub(super) async fn read_form(headers: &axum::http::HeaderMap, body: Bytes) -> (Form, Vec<Upload>) {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(ct) else {
        return (Form::parse(&body), Vec::new());
    };
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut form = Form::default();
    let mut files = Vec::new();
    loop {
        let field = match parts.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return (Form::default(), Vec::new()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let Ok(data) = field.bytes().await else {
            return (Form::default(), Vec::new());
        };
        match filename {
            Some(filename) => files.push(Upload {
                name,
                filename,
                data: data.to_vec(),
            }),
            None => form
                .0
                .push((name, String::from_utf8_lossy(&data).into_owned())),
        }
    }
    (form, files)
}

#[derive(serde::Deserialize, Default)]
pub(super) struct OrgQuery {
    q: Option<String>,
    offset: Option<i64>,
    /// After an import: departments, positions, employees added and employees updated.
    d: Option<usize>,
    p: Option<usize>,
    a: Option<usize>,
    u: Option<usize>,
}

#[derive(Serialize)]
struct DeptView {
    code: String,
    name: String,
    kind: &'static str,
    employees: i64,
    /// Depth in the tree (0: top level), for the indent (capped at 6).
    depth: usize,
    /// The unit kind's message key (`unit-branch` …).
    unit: Option<String>,
    /// The head: 姓名 (工号).
    head: Option<String>,
}

#[derive(Serialize)]
struct EmpView {
    emp_no: String,
    name: String,
    department: String,
    position: Option<String>,
    supervisor: Option<String>,
    active: bool,
    /// 兼岗 in force today.
    seconds: Vec<kaohe_store::SecondPost>,
}

#[derive(Serialize)]
struct Counts {
    departments: usize,
    positions: usize,
    added: usize,
    updated: usize,
}

impl From<&kaohe_store::ImportSummary> for Counts {
    fn from(s: &kaohe_store::ImportSummary) -> Self {
        Counts {
            departments: s.departments_added,
            positions: s.positions_added,
            added: s.employees_added,
            updated: s.employees_updated,
        }
    }
}

#[derive(Serialize)]
struct ImportProblem {
    line: Option<usize>,
    field: Option<String>,
    message: String,
}

/// The import form as it comes back: what was pasted, and what became of it.
#[derive(Serialize, Default)]
pub(super) struct ImportView {
    text: String,
    check: bool,
    file: Option<String>,
    problems: Vec<ImportProblem>,
    /// A check that passed: what the import would do.
    checked: Option<Counts>,
    /// An import that was stored.
    imported: Option<Counts>,
    error: Option<String>,
}

pub(super) async fn hr_org_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<OrgQuery>,
) -> Response {
    if let Err(r) = hr_only(&ctx, Capability::ManageOrg) {
        return *r;
    }
    let mut view = ImportView::default();
    if let (Some(d), Some(p), Some(a), Some(u)) = (q.d, q.p, q.a, q.u) {
        view.imported = Some(Counts {
            departments: d,
            positions: p,
            added: a,
            updated: u,
        });
    }
    let query = q.q.clone().unwrap_or_default();
    org_page(
        &st,
        &ctx,
        &query,
        q.offset.unwrap_or(0),
        StatusCode::OK,
        view,
    )
    .await
}

async fn org_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    query: &str,
    offset: i64,
    status: StatusCode,
    import: ImportView,
) -> Response {
    let offset = offset.max(0);
    let page = kaohe_store::Page {
        offset,
        limit: ORG_PAGE,
    };
    let (depts, counts, found) = match (
        st.store.departments().await,
        st.store.employee_counts().await,
        st.store.search_employees(query, page).await,
    ) {
        (Ok(d), Ok(c), Ok(e)) => (d, c, e),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return server_error(ctx.lang, &e.to_string());
        }
    };
    let dept_name: BTreeMap<i64, &str> = depts.iter().map(|d| (d.id, d.name.as_str())).collect();
    let dept_views: Vec<DeptView> = kaohe_store::tree_order(&depts)
        .into_iter()
        .map(|(depth, d)| DeptView {
            depth: depth.min(6),
            unit: d.unit.map(|u| format!("unit-{}", u.as_str())),
            head: d.head.as_ref().map(|(no, name)| format!("{name} ({no})")),
            code: d.code.clone(),
            name: d.name.clone(),
            kind: match d.kind {
                kaohe_store::DeptKind::Line => "dept-kind-line",
                kaohe_store::DeptKind::Functional => "dept-kind-functional",
            },
            employees: counts.get(&d.id).copied().unwrap_or(0),
        })
        .collect();
    let shown = found.employees.len() as i64;
    let more = offset + shown < found.total;
    let emp_views: Vec<EmpView> = found
        .employees
        .into_iter()
        .map(|e| EmpView {
            department: dept_name
                .get(&e.department_id)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            supervisor: match (e.supervisor_emp_no, e.supervisor_name) {
                (Some(no), Some(name)) => Some(format!("{name} ({no})")),
                (no, name) => no.or(name),
            },
            emp_no: e.emp_no,
            name: e.name,
            position: e.position,
            active: e.active,
            seconds: e.second_posts,
        })
        .collect();
    let q: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let link = |o: i64| format!("/hr/org?q={q}&offset={o}");
    render(
        ctx,
        status,
        "hr_org.html",
        context! {
            departments => Serde(dept_views),
            employees => Serde(emp_views),
            total => counts.values().sum::<i64>(),
            query,
            first => offset + 1,
            last => offset + shown,
            found => found.total,
            prev => (offset > 0).then(|| link((offset - ORG_PAGE).max(0))),
            next => more.then(|| link(offset + ORG_PAGE)),
            import => Serde(import),
        },
    )
}

/// The page again with the import's problems; nothing was stored.
async fn import_failed<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    mut view: ImportView,
    status: StatusCode,
) -> Response {
    view.error = Some(text(ctx.lang, "org-import-failed", &[]));
    org_page(st, ctx, "", 0, status, view).await
}

/// "工号 emp_no" (a store field name in both languages) in the reader's language.
fn field_in_lang(lang: Lang, field: &str) -> String {
    match (field.rsplit_once(' '), lang) {
        (Some((zh, _)), Lang::Zh) => zh.to_string(),
        (Some((_, en)), Lang::En) => en.to_string(),
        _ => field.to_string(),
    }
}

pub(super) async fn hr_org_import<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let (form, files) = read_form(&headers, body).await;
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let me = match hr_only(&ctx, Capability::ManageOrg) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    ctx.path = "/hr/org".into();
    let pasted = form.get("csv").unwrap_or_default().to_string();
    let file = files
        .into_iter()
        .find(|f| f.name == "file" && !f.data.is_empty());
    let mut view = ImportView {
        check: form.get("check").is_some(),
        file: file.as_ref().map(|f| f.filename.clone()),
        ..Default::default()
    };

    // Only pasted text comes back in the box: a file may be long.
    view.text = if file.is_none() {
        pasted
    } else {
        String::new()
    };
    let parsed = match &file {
        Some(f) => crate::office::org_rows(&f.data),
        None => kaohe_store::parse_org_csv(&view.text),
    };
    let rows = match parsed {
        Ok(r) => r,
        Err(m) => {
            view.problems.push(ImportProblem {
                line: Some(1).filter(|_| m.contains("表头")),
                field: None,
                message: in_lang(ctx.lang, &m),
            });
            return import_failed(&st, &ctx, view, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if rows.is_empty() {
        view.problems.push(ImportProblem {
            line: None,
            field: None,
            message: text(ctx.lang, "org-import-empty", &[]),
        });
        return import_failed(&st, &ctx, view, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let done = if view.check {
        st.store.check_org(&rows).await
    } else {
        st.store.import_org(&me.username, &rows).await
    };
    match done {
        Ok(s) if view.check => {
            view.checked = Some(Counts::from(&s));
            org_page(&st, &ctx, "", 0, StatusCode::OK, view).await
        }
        Ok(s) => see_other(&format!(
            "/hr/org?d={}&p={}&a={}&u={}",
            s.departments_added, s.positions_added, s.employees_added, s.employees_updated
        )),
        Err(StoreError::Rows(problems)) => {
            for (line, field, msg) in problems {
                view.problems.push(ImportProblem {
                    line: Some(line),
                    field: Some(field_in_lang(ctx.lang, &field)),
                    message: in_lang(ctx.lang, &msg),
                });
            }
            import_failed(&st, &ctx, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            view.problems.push(ImportProblem {
                line: None,
                field: None,
                message: m,
            });
            import_failed(&st, &ctx, view, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::office::decode_text;

    #[tokio::test]
    async fn multipart_bodies_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"org;1.csv\"\r\nContent-Type: text/csv\r\n\r\n\xE5\xB7\xA5\xE5\x8F\xB7,x\r\nA,b\r\n\r\n--XyZ--\r\n";
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        let (form, files) = read_form(&h, Bytes::from_static(body)).await;
        assert_eq!(form.get("csrf"), Some("abc"));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "org;1.csv");
        assert_eq!(decode_text(&files[0].data), "工号,x\r\nA,b\r\n");
        // GBK, as Excel saves it.
        let (gbk, _, _) = encoding_rs::GBK.encode("工号,姓名");
        assert_eq!(decode_text(&gbk), "工号,姓名");
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=\"q\""),
        );
        let (form, files) = read_form(&h, Bytes::from_static(b"junk")).await;
        assert!(form.0.is_empty() && files.is_empty());
    }
}
