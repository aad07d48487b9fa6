use super::*;

#[derive(Serialize)]
pub(super) struct LedgerRow {
    period: String,
    form_id: String,
    /// The form by its sheet name (set by the page; the id until then).
    form: String,
    cycle: String,
    state: &'static str,
    /// Still being appraised: its figures come once published.
    in_progress: bool,
    /// A month between two appraised ones without any appraisal.
    gap: bool,
    total: Option<String>,
    grade: Option<String>,
    bonus: Option<String>,
}

/// `2026-10` → `2026-09`; `None` for periods that are not months.
fn month_before(p: &str) -> Option<String> {
    let (y, m) = p.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) {
        return None;
    }
    Some(if m == 1 {
        format!("{}-12", y - 1)
    } else {
        format!("{y}-{:02}", m - 1)
    })
}

/// The ledger's lines, newest first, with a line for each month missing between two
/// monthly appraisals (无考核), so the line never jumps a month unsaid.
fn with_gaps(entries: Vec<kaohe_store::LedgerEntry>) -> Vec<LedgerRow> {
    use kaohe_core::workflow::State as W;
    let mut out: Vec<LedgerRow> = Vec::new();
    for l in entries {
        if let Some(prev) = out.last() {
            let mut want = month_before(&prev.period);
            while let Some(m) =
                want.filter(|m| m.as_str() > l.period.as_str() && l.period.len() == 7)
            {
                out.push(LedgerRow {
                    period: m.clone(),
                    form_id: String::new(),
                    form: String::new(),
                    cycle: String::new(),
                    state: "none",
                    in_progress: false,
                    gap: true,
                    total: None,
                    grade: None,
                    bonus: None,
                });
                want = month_before(&m);
            }
        }
        out.push(LedgerRow {
            period: l.period,
            form: l.form_id.clone(),
            form_id: l.form_id,
            cycle: l.cycle,
            state: l.state.as_str(),
            in_progress: !matches!(l.state, W::Published | W::Appealed | W::Confirmed),
            gap: false,
            total: l.total,
            grade: l.grade,
            bonus: l.bonus,
        });
    }
    out
}

pub(super) async fn ledger<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> PageResult {
    let u = ctx.signed_in()?;
    let mut chart = None;
    let rows = match u.employee_id {
        None => None,
        Some(e) => {
            let l = st.store.ledger(e).await.or_page(&ctx)?;
            // The 12-month trend, as HR sees it on /hr/employees/{emp_no}.
            if !l.is_empty() {
                chart = Some(super::hr_results::trend_chart(
                    ctx.lang,
                    &super::hr_results::trend_points(&l),
                ));
            }
            let names = form_names(&st, ctx.lang, l.iter().map(|e| e.form_id.clone()).collect())
                .await
                .or_page(&ctx)?;
            let mut rows = with_gaps(l);
            for r in &mut rows {
                if let Some(n) = names.get(&r.form_id) {
                    r.form = n.clone();
                }
            }
            Some(rows)
        }
    };
    let sheets = my_sheets(&st, u).await.or_page(&ctx)?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        "ledger.html",
        context! { rows => Serde(rows), sheets => Serde(sheets), chart => Serde(chart) },
    ))
}

#[derive(Serialize)]
pub(super) struct SheetLink {
    id: i64,
    cycle: String,
    period: String,
    state: &'static str,
}

/// The user's own appraisals, newest first, to open their sheets. Those who see many
/// others' appraisals (HR, reviewers, approvers) get none here yet: the store lists
/// appraisals by visibility, not by appraisee.
pub(super) async fn my_sheets<S: Store>(
    st: &AppState<S>,
    u: &User,
) -> kaohe_store::Result<Vec<SheetLink>> {
    let Some(me) = u.employee_id else {
        return Ok(Vec::new());
    };
    if [Role::HrAdmin, Role::Reviewer, Role::Approver]
        .iter()
        .any(|r| u.has(*r))
    {
        return Ok(Vec::new());
    }
    let page = kaohe_store::Page {
        offset: 0,
        limit: 1000,
    };
    let mut cycles: BTreeMap<i64, Cycle> = BTreeMap::new();
    let mut out = Vec::new();
    for a in st.store.appraisals(u, None, None, page).await? {
        if a.employee_id != me {
            continue;
        }
        let c = match cycles.entry(a.cycle_id) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(st.store.cycle(a.cycle_id).await?)
            }
        };
        out.push(SheetLink {
            id: a.id,
            cycle: c.name.clone(),
            period: c.period.clone(),
            state: a.state.as_str(),
        });
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kaohe_core::workflow::State as W;

    fn entry(period: &str, state: W, total: Option<&str>) -> kaohe_store::LedgerEntry {
        kaohe_store::LedgerEntry {
            period: period.into(),
            form_id: "F01".into(),
            cycle: format!("{period} F01"),
            state,
            total: total.map(String::from),
            grade: None,
            bonus: None,
        }
    }

    #[test]
    fn a_month_without_an_appraisal_is_a_named_gap() {
        let rows = with_gaps(vec![
            entry("2026-12", W::Rating, None),
            entry("2026-10", W::Confirmed, Some("90")),
            entry("2026-01", W::Confirmed, Some("80")),
            entry("2025-12", W::Confirmed, Some("70")),
        ]);
        let periods: Vec<&str> = rows.iter().map(|r| r.period.as_str()).collect();
        assert_eq!(&periods[..3], ["2026-12", "2026-11", "2026-10"]);
        assert!(rows[0].in_progress && !rows[0].gap);
        assert!(rows[1].gap && rows[1].state == "none");
        // From October back to January: eight missing months, then December of 2025.
        assert_eq!(rows.len(), 3 + 8 + 2);
        assert_eq!(rows.last().unwrap().period, "2025-12");
        assert_eq!(month_before("2026-01").as_deref(), Some("2025-12"));
        assert_eq!(month_before("2026-Q4"), None);
    }
}
