//! Spreadsheets in and out: importing a cycle's data from `.xlsx`/`.csv`, and the filled
//! forms, department workbooks, results workbook and payroll as files.
//!
//! The work is done here once, for the HTTP handlers below and for the command line
//! (`kaohe import`, `kaohe export`): [`import_file`] reads the file with `kaohe-office`,
//! matches each row to an appraisal of the cycle (by 工号, or by 姓名 when the sheet has no
//! number column), works out what would change, and stores it with
//! [`Store::enter_grid`] — all rows or none, every problem named by sheet, row and column.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::{ApiPath as Path, ApiQuery, AppState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaohe_core::Template;
use kaohe_core::engine::Val;
use kaohe_core::input::Col;
use kaohe_core::model::InputKind;
use kaohe_office::form::{FilledForm, FormHeader, Signature, Signatures};
use kaohe_office::import::{ID, MatchKind, NAME};
use kaohe_office::{CellProblem, HeaderPick, OfficeError, Table};
use kaohe_store::Text;
use kaohe_store::policy::{Capability, Scope};
use kaohe_store::{Appraisal, Cycle, GridRow, ImportTarget, Store, StoreError, User};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------------------------------
// Errors shared by the command line and the handlers
// ---------------------------------------------------------------------------------------

/// Why an import or export did not happen.
#[derive(Debug)]
pub enum OfficeFail {
    /// The file cannot be read at all (not a workbook, no header, no such sheet …).
    File(String),
    /// The rows have problems; nothing was stored. The report lists them.
    Refused(Box<ImportReport>),
    /// Nothing to export, or not visible to this user.
    NotFound(Text),
    /// The storage said no.
    Store(StoreError),
    /// Writing the workbook failed, or the template does not compile.
    Internal(String),
    /// A program the export needs is missing (Chromium for PDFs).
    Unavailable(Text),
}

impl fmt::Display for OfficeFail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OfficeFail::File(m) | OfficeFail::Internal(m) => write!(f, "{m}"),
            OfficeFail::NotFound(m) | OfficeFail::Unavailable(m) => write!(f, "{m}"),
            OfficeFail::Store(e) => write!(f, "{e}"),
            OfficeFail::Refused(r) => {
                for p in &r.problems {
                    writeln!(f, "{}: {} / {}", p.place, p.message, p.message_en)?;
                }
                write!(
                    f,
                    "{n} 处错误，未导入任何数据 / {n} problem(s): nothing was imported",
                    n = r.problems.len()
                )
            }
        }
    }
}

impl std::error::Error for OfficeFail {}

impl From<StoreError> for OfficeFail {
    fn from(e: StoreError) -> Self {
        OfficeFail::Store(e)
    }
}

impl From<OfficeError> for OfficeFail {
    fn from(e: OfficeError) -> Self {
        match e {
            OfficeError::Write(_) | OfficeError::Io(_) => OfficeFail::Internal(e.to_string()),
            e => OfficeFail::File(e.to_string()),
        }
    }
}

/// The appraisal has no score the reader may see yet.
pub(crate) fn no_score_yet(appraisal_id: i64) -> Text {
    Text::pair(
        format!("考核表 {appraisal_id} 还没有可以给您看的分数"),
        format!("appraisal {appraisal_id} has no score you may see yet"),
    )
}

impl From<OfficeFail> for ApiError {
    fn from(e: OfficeFail) -> Self {
        match e {
            OfficeFail::File(m) => ApiError::Invalid(vec![crate::error::field_error(
                "file".into(),
                &Text::from_both(&m),
                None,
            )]),
            OfficeFail::Refused(r) => ApiError::Invalid(
                r.problems
                    .iter()
                    .map(|p| FieldError {
                        field: p
                            .field
                            .clone()
                            .or_else(|| p.header.clone())
                            .unwrap_or_else(|| "row".into()),
                        message: format!("{}: {}", p.place, p.message),
                        message_en: Some(format!("{}: {}", p.place, p.message_en)),
                        line: Some(p.row),
                        column: p.col.map(|c| c + 1),
                    })
                    .collect(),
            ),
            OfficeFail::NotFound(m) => ApiError::NotFound(m),
            OfficeFail::Store(e) => e.into(),
            OfficeFail::Internal(m) => ApiError::Internal(m),
            OfficeFail::Unavailable(m) => ApiError::Unavailable(m),
        }
    }
}

pub type Fail<T> = Result<T, OfficeFail>;

// ---------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The sheet to read (default: the first). Ignored for CSV.
    pub sheet: Option<String>,
    /// The file's name, used as the "sheet" of a CSV in messages.
    pub file_name: String,
    /// Columns the user mapped: header as in the sheet → input id, `id`, `name`, `group`,
    /// or `-` to leave the column out. Remembered for the form once the import is stored.
    pub map: BTreeMap<String, String>,
    /// Work out and report the changes, store nothing.
    pub dry_run: bool,
    /// Import the good rows and list the bad ones, instead of importing nothing.
    pub skip_invalid: bool,
    /// The header's row (1-based) as the person chose it; `None`: the row that best
    /// names the form's fields and 工号/姓名.
    pub header_row: Option<usize>,
    /// Why: required when the import changes appraisals from review on (a correction).
    pub reason: Option<String>,
    /// A department's clerk imports their own inputs: only the inputs this department
    /// supplies are read (other columns are left out, with a warning naming them) and the
    /// store is asked to enter them as that department's, which it refuses for anyone but
    /// its clerk or HR and for any other input. `None`: HR's import of any input.
    pub dept: Option<i64>,
}

/// A problem with a cell or a row of the file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportProblem {
    pub sheet: String,
    /// 1-based row, as Excel shows it.
    pub row: usize,
    /// 0-based column, when one cell is at fault.
    pub col: Option<usize>,
    /// The column's letter (`C`), when one cell is at fault.
    pub column: Option<String>,
    /// The column's header in the sheet.
    pub header: Option<String>,
    /// The form's field (input id, `id`, `name`) the column is mapped to.
    pub field: Option<String>,
    /// `考核数据!C7`, or `考核数据!7:7` for a whole row.
    pub place: String,
    pub message: String,
    pub message_en: String,
}

/// One value an import changes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValueChange {
    /// The input id.
    pub input: String,
    /// The input's name on the form.
    pub name: String,
    /// The value stored now (None: empty).
    pub old: Option<String>,
    pub new: String,
}

/// What an import changes for one employee.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployeeChanges {
    /// The row of the file.
    pub row: usize,
    pub emp_no: String,
    pub name: String,
    pub appraisal_id: i64,
    pub changes: Vec<ValueChange>,
}

/// A row of the file that could be the header.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeaderCandidate {
    /// 1-based row.
    pub row: usize,
    /// Its filled cells, joined by ` | `.
    pub cells: String,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub cycle_id: i64,
    pub form_id: String,
    pub sheet: String,
    /// The row the header was found on.
    pub header_row: usize,
    /// Rows that could be the header instead: row and its cells joined by ` | `.
    pub header_candidates: Vec<HeaderCandidate>,
    /// Totals rows (合计, 小计 …) recognised and left out.
    pub totals_skipped: Vec<usize>,
    /// Data rows in the file (blank rows not counted).
    pub rows_read: usize,
    /// Rows matched to an appraisal of the cycle without problems.
    pub rows_matched: usize,
    /// Employees whose values change.
    pub appraisals_changed: usize,
    /// Values that change, over all employees.
    pub values_changed: usize,
    /// Per employee: input, old → new.
    pub changes: Vec<EmployeeChanges>,
    /// Every problem, by row and column.
    pub problems: Vec<ImportProblem>,
    /// Rows left out (with `skip_invalid`).
    pub skipped_rows: Vec<usize>,
    /// Worth knowing, not stopping the import ("中文 / English").
    pub warnings: Vec<String>,
    /// The mapping used: header → field, for the columns the form reads.
    pub mapping: BTreeMap<String, String>,
    /// Employees were matched by name (the sheet has no 工号 column).
    pub matched_by_name: bool,
    pub dry_run: bool,
    /// The changes were stored.
    pub stored: bool,
}

/// `PK\x03\x04`: a zip file, so an `.xlsx`.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// [`read_table`] on a blocking thread: parsing a large workbook takes seconds of CPU, which
/// must not hold up the async executor's threads (other users' requests).
pub async fn read_table_off(
    bytes: &[u8],
    sheet: Option<&str>,
    file_name: &str,
    pick: HeaderPick,
) -> Fail<Table> {
    let (bytes, sheet, name) = (
        bytes.to_vec(),
        sheet.map(str::to_string),
        file_name.to_string(),
    );
    tokio::task::spawn_blocking(move || read_table(&bytes, sheet.as_deref(), &name, &pick))
        .await
        .map_err(|e| {
            OfficeFail::Store(StoreError::Invalid {
                field: "file".into(),
                message: Text::pair(
                    format!("读取文件失败：{e}"),
                    format!("reading the file failed: {e}"),
                ),
            })
        })?
}

/// Workbooks written at once: half the cores, at least one (the rest keep serving pages).
static WRITERS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(kaohe_store::hashing::workers()));

/// A workbook written on a blocking thread, at most [`WRITERS`] at once (the others wait
/// their turn). A results workbook of 100,000 appraisees is seconds of CPU: written on an
/// async worker it held that worker, and two at once every page of the server, as long.
pub async fn write_off<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, OfficeError> + Send + 'static,
) -> Fail<T> {
    let _turn = WRITERS
        .acquire()
        .await
        .map_err(|e| OfficeFail::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| {
            OfficeFail::Internal(format!("写入工作簿失败 / writing the workbook failed: {e}"))
        })?
        .map_err(OfficeFail::from)
}

/// Read a table from file bytes: `.xlsx` by its zip signature, otherwise CSV.
pub fn read_table(
    bytes: &[u8],
    sheet: Option<&str>,
    file_name: &str,
    pick: &HeaderPick,
) -> Fail<Table> {
    let limits = kaohe_office::Limits::default();
    let r = if is_xlsx(bytes) || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        kaohe_office::read_xlsx_pick(bytes, sheet, &limits, pick)
    } else {
        let name = if file_name.is_empty() {
            "CSV"
        } else {
            file_name
        };
        kaohe_office::read_csv_pick(bytes, name, &limits, pick)
    };
    r.map_err(|e| match e {
        OfficeError::Cells(ps) => OfficeFail::Refused(Box::new(ImportReport {
            problems: ps.iter().map(|p| problem(p, None)).collect(),
            sheet: ps.first().map(|p| p.sheet.clone()).unwrap_or_default(),
            ..Default::default()
        })),
        e => e.into(),
    })
}

fn problem(p: &CellProblem, field: Option<String>) -> ImportProblem {
    ImportProblem {
        sheet: p.sheet.clone(),
        row: p.row,
        col: p.col,
        column: p.col.map(kaohe_office::col_letter),
        header: p.header.clone(),
        field,
        place: p.place(),
        message: p.zh.clone(),
        message_en: p.en.clone(),
    }
}

/// Every appraisal of a cycle `who` may see, read 1,000 at a time in id order (keyset: a
/// page costs the same at the end of a big cycle as at its start).
pub async fn all_appraisals<S: Store>(
    store: &S,
    who: &User,
    cycle_id: i64,
) -> Fail<Vec<Appraisal>> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (page, next) = store.appraisals_after(who, cycle_id, after, 1000).await?;
        out.extend(page);
        match next {
            Some(n) => after = n,
            None => return Ok(out),
        }
    }
}

/// What an import matches its rows against: every appraisal of the cycle `who` may see,
/// with the stored values of `inputs` only, read 1,000 at a time by keyset
/// (`Store::import_targets`), two pages at once: the pages' cursors are read first
/// (`Store::page_starts`), so one page is read while the one before is parsed.
pub async fn import_targets<S: Store>(
    store: &S,
    who: &User,
    cycle_id: i64,
    inputs: &[String],
) -> Fail<Vec<ImportTarget>> {
    const PAGE: i64 = 1000;
    let starts = store.page_starts(cycle_id, PAGE).await?;
    Ok(pages_at_once(
        &starts,
        |t: &ImportTarget| t.id,
        |after| store.import_targets(who, cycle_id, after, PAGE, inputs),
    )
    .await?)
}

/// Every row of a keyset walk whose pages start after the ids `starts` (a page's last id
/// is the next page's start), two pages read at once, in order. `fetch(after)` reads the
/// page after an id and the cursor after it (`None` at the end). A page may hold fewer of
/// its range's rows than the range has (rows a reader may not see) or the last range more
/// (rows added since the starts were read): each range is read on until its end.
async fn pages_at_once<T, E, Fut>(
    starts: &[i64],
    id: impl Fn(&T) -> i64 + Copy,
    fetch: impl Fn(i64) -> Fut + Copy,
) -> Result<Vec<T>, E>
where
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<i64>), E>>,
{
    use futures_util::{StreamExt, TryStreamExt};
    let ranges: Vec<(i64, Option<i64>)> = std::iter::once(0)
        .chain(starts.iter().copied())
        .zip(
            starts
                .iter()
                .copied()
                .map(Some)
                .chain(std::iter::once(None)),
        )
        .collect();
    let pages: Vec<Vec<T>> = futures_util::stream::iter(ranges)
        .map(|(mut after, end)| async move {
            let mut out = Vec::new();
            loop {
                let (page, next) = fetch(after).await?;
                out.extend(page.into_iter().filter(|t| end.is_none_or(|e| id(t) <= e)));
                match next {
                    Some(n) if end.is_none_or(|e| n < e) => after = n,
                    _ => return Ok(out),
                }
            }
        })
        .buffered(2)
        .try_collect()
        .await?;
    Ok(pages.into_iter().flatten().collect())
}

/// The cycle and its form as it scores the cycle (`Store::cycle_form`).
pub async fn cycle_template<S: Store>(store: &S, cycle_id: i64) -> Fail<(Cycle, Template)> {
    Ok(store.cycle_form(cycle_id).await?)
}

fn slot_id(t: &Template, s: usize) -> Option<(String, String)> {
    if s < t.inputs.len() {
        let i = &t.inputs[s];
        return Some((i.id.clone(), i.name.clone()));
    }
    let p = s.checked_sub(t.layout.params as usize)?;
    t.params.get(p).map(|p| (p.id.clone(), p.name.clone()))
}

/// The text stored for a parsed value (what the engine reads back as the same value):
/// numbers without `%`, full-width digits or separators; choices as their label; sets as
/// `1,3`. `None` for an empty cell (the stored value stays).
pub fn value_text(t: &Template, slot: usize, v: &Val) -> Option<String> {
    let kind = t.inputs.get(slot).map(|i| &i.kind);
    match v {
        Val::Empty => None,
        Val::Na => Some("不适用".into()),
        Val::Text(s) => Some(s.to_string()),
        Val::Set(bits) => {
            if *bits == 0 {
                return Some("无".into());
            }
            let on: Vec<String> = (0..32)
                .filter(|b| bits & (1 << b) != 0)
                .map(|b| (b + 1).to_string())
                .collect();
            Some(on.join(","))
        }
        Val::Num(d) => match kind {
            Some(InputKind::Choice(labels)) => {
                let i: usize = d.to_string().parse().ok()?;
                labels.get(i).cloned()
            }
            _ => Some(kaohe_core::num::fmt(*d)),
        },
    }
}

fn field_of(t: &Template, c: Col) -> Option<String> {
    match c {
        Col::Id => Some(ID.into()),
        Col::Name => Some(NAME.into()),
        Col::Group => Some("group".into()),
        Col::Slot(s) => slot_id(t, s as usize).map(|(id, _)| id),
        Col::Ignored => None,
    }
}

/// Import a cycle's data (metric data and rater scores) from an `.xlsx` or CSV file, as
/// `who` (an HR administrator). See the module documentation.
pub async fn import_file<S: Store>(
    store: &S,
    who: &User,
    cycle_id: i64,
    bytes: &[u8],
    opts: &ImportOptions,
    progress: &(dyn Fn(&str, usize, usize) + Send + Sync),
) -> Fail<ImportReport> {
    match opts.dept {
        None => {
            if !kaohe_store::policy::require(who, Capability::ManageCycles)
                .is_ok_and(|s| s.is_all())
            {
                return Err(OfficeFail::Store(StoreError::Forbidden(Text::pair(
                    "只有人事管理员可以导入",
                    "only HR administrators may import",
                ))));
            }
        }
        Some(d) => {
            if let Err(e) = kaohe_store::policy::may_enter_department(who, Some(d)) {
                return Err(OfficeFail::Store(e.into()));
            }
        }
    }
    let (cy, t) = cycle_template(store, cycle_id).await?;
    // The inputs this import may write: a department's own, or (HR) every one.
    let mine: Option<Vec<String>> = match opts.dept {
        None => None,
        Some(d) => Some(dept_inputs(store, &t, d).await?),
    };
    progress("读取文件 / reading the file", 0, 0);
    let mut table = read_table_off(
        bytes,
        opts.sheet.as_deref(),
        &opts.file_name,
        header_pick(&t, opts.header_row),
    )
    .await?;
    let mut report = ImportReport {
        cycle_id,
        form_id: cy.form_id.clone(),
        sheet: table.sheet.clone(),
        header_row: table.header_row,
        header_candidates: candidates(&table),
        totals_skipped: table.totals.clone(),
        rows_read: table.rows.len(),
        dry_run: opts.dry_run,
        ..Default::default()
    };

    // Any input may come from the file: nothing is required in one import.
    let mut tp = t.clone();
    for i in &mut tp.inputs {
        i.required = false;
    }

    // The mapping: remembered for the form, then what the user said now.
    let saved = store.import_mapping(&cy.form_id).await?;
    let mut overrides: HashMap<String, String> = saved
        .iter()
        .filter(|(h, _)| table.headers.contains(h))
        .map(|(h, t)| (h.clone(), t.clone()))
        .collect();
    let mut fatal: Vec<ImportProblem> = Vec::new();
    for (h, target) in &opts.map {
        let h = h.trim();
        let target = target.trim();
        let resolved = if target.is_empty() || target == "-" {
            Some("-".to_string())
        } else {
            kaohe_office::resolve_target(&t, target)
        };
        match (table.headers.iter().position(|x| x == h), resolved) {
            (Some(_), Some(id)) => {
                overrides.insert(h.to_string(), id);
            }
            (Some(c), None) => fatal.push(problem(
                &table.problem(
                    table.header_row,
                    Some(c),
                    format!("「{target}」不是本表的字段（列「{h}」的对应）"),
                    format!("`{target}` (for the column `{h}`) is not a field of this form"),
                ),
                None,
            )),
            (None, _) => fatal.push(problem(
                &table.problem(
                    table.header_row,
                    None,
                    format!("表头中没有「{h}」（列对应所指的列）"),
                    format!("there is no header `{h}` (named in the column mapping)"),
                ),
                None,
            )),
        }
    }
    // A clerk's import: any column that would go to another department's input (or a
    // score, a parameter) is left out and named.
    if let Some(mine) = &mine {
        let proposal = kaohe_office::propose_mapping(&tp, &table.headers);
        for h in &table.headers {
            if h.is_empty() {
                continue;
            }
            let target = overrides.get(h).cloned().or_else(|| {
                proposal
                    .columns
                    .iter()
                    .find(|c| &c.header == h && c.how == Some(MatchKind::Exact))
                    .and_then(|c| c.target.clone())
            });
            if let Some(tg) = target
                && tg != "-"
                && tg != ID
                && tg != NAME
                && !mine.contains(&tg)
            {
                overrides.insert(h.clone(), "-".into());
                report.warnings.push(format!(
                    "列「{h}」不是本部门提供的数据，已忽略 / the column `{h}` is not your department's data: left out"
                ));
            }
        }
    }
    // Employees by name when the sheet has no employee-number column.
    let proposal = kaohe_office::propose_mapping(&tp, &table.headers);
    let target_of = |h: &str, overrides: &HashMap<String, String>| -> Option<String> {
        if let Some(t) = overrides.get(h) {
            return Some(t.clone());
        }
        proposal
            .columns
            .iter()
            .find(|c| c.header == h && c.how == Some(MatchKind::Exact))
            .and_then(|c| c.target.clone())
    };
    let has_id = table
        .headers
        .iter()
        .any(|h| target_of(h, &overrides).as_deref() == Some(ID));
    let mut name_col = None;
    if !has_id
        && let Some((c, h)) = table
            .headers
            .iter()
            .enumerate()
            .find(|(_, h)| target_of(h, &overrides).as_deref() == Some(NAME))
    {
        overrides.insert(h.clone(), ID.into());
        name_col = Some(c);
        report.matched_by_name = true;
    }

    let mut imported = kaohe_office::import_table(&tp, &table, &overrides);
    // The cells are parsed: only the header and the sheet's name are read again (for the
    // problems' places). An import of 100,000 rows must not hold the sheet twice.
    table.rows = Vec::new();
    report.warnings.extend(imported.warnings.iter().cloned());
    let Some(cols) = imported.columns.clone() else {
        // The header does not fit the form: say what might.
        report.problems = fatal;
        report
            .problems
            .extend(imported.problems.iter().map(|p| problem(p, None)));
        let hints: Vec<String> = proposal
            .columns
            .iter()
            .filter(|c| c.how == Some(MatchKind::Loose) && !overrides.contains_key(&c.header))
            .filter_map(|c| {
                c.target
                    .as_ref()
                    .map(|t| format!("--map \"{}={t}\"", c.header))
            })
            .collect();
        if !hints.is_empty() {
            report.warnings.push(format!(
                "可能的对应，请确认后用 --map 指定 / possible matches, confirm them with --map: {}",
                hints.join(" ")
            ));
        }
        return Err(OfficeFail::Refused(Box::new(report)));
    };
    for (c, col) in cols.cols.iter().enumerate() {
        if let Some(f) = field_of(&t, *col) {
            let f = if report.matched_by_name && *col == Col::Id {
                NAME.to_string()
            } else {
                f
            };
            report.mapping.insert(table.headers[c].clone(), f);
        }
    }
    if !cols.cols.iter().any(|c| matches!(c, Col::Slot(_))) {
        fatal.push(problem(
            &table.problem(
                table.header_row,
                None,
                "没有一列对应本表的字段，没有可导入的数据",
                "no column matches a field of the form: nothing to import",
            ),
            None,
        ));
    }
    if !fatal.is_empty() {
        report.problems = fatal;
        return Err(OfficeFail::Refused(Box::new(report)));
    }
    let field_at = |c: Option<usize>| {
        c.and_then(|c| cols.cols.get(c))
            .and_then(|c| field_of(&t, *c))
    };
    let mut problems: Vec<ImportProblem> = imported
        .problems
        .iter()
        .map(|p| problem(p, field_at(p.col)))
        .collect();

    // Match rows to the cycle's appraisals: numbers, names, states, versions and the
    // stored values of the inputs the file writes, nothing else.
    let written: Vec<String> = cols
        .cols
        .iter()
        .filter_map(|c| match c {
            Col::Slot(s) => slot_id(&t, *s as usize).map(|(id, _)| id),
            _ => None,
        })
        .collect();
    let list = import_targets(store, who, cycle_id, &written).await?;
    let by_no: HashMap<&str, &ImportTarget> = list.iter().map(|a| (a.emp_no.as_str(), a)).collect();
    let mut by_name: HashMap<&str, Vec<&ImportTarget>> = HashMap::new();
    for a in &list {
        by_name.entry(a.name.as_str()).or_default().push(a);
    }
    let id_col = cols.cols.iter().position(|c| *c == Col::Id);
    let total = imported.rows.len();
    // The appraisal's version per changed row (line, version), beside `report.changes`.
    let mut versions: Vec<(usize, i64)> = Vec::new();
    // Each row is dropped once matched, so the parsed sheet shrinks as the changes grow.
    for (i, row) in std::mem::take(&mut imported.rows).into_iter().enumerate() {
        if i % 1000 == 0 {
            progress("核对数据 / checking rows", i, total);
        }
        let at = |zh: String, en: String, col: Option<usize>| {
            problem(&table.problem(row.line, col, zh, en), field_at(col))
        };
        let a = if report.matched_by_name {
            match by_name.get(row.id.as_str()).map(Vec::as_slice) {
                Some([a]) => *a,
                Some(many) => {
                    let nos: Vec<&str> = many.iter().map(|a| a.emp_no.as_str()).collect();
                    problems.push(at(
                        format!(
                            "姓名「{}」在本周期有 {} 人（工号 {}），请加一列工号",
                            row.id,
                            many.len(),
                            nos.join("、")
                        ),
                        format!(
                            "{} people named `{}` are appraised in this cycle (employee numbers {}): add an employee-number column",
                            many.len(),
                            row.id,
                            nos.join(", ")
                        ),
                        name_col,
                    ));
                    continue;
                }
                None => {
                    problems.push(at(
                        format!("姓名「{}」不是本周期的被考核人", row.id),
                        format!("nobody named `{}` is appraised in this cycle", row.id),
                        name_col,
                    ));
                    continue;
                }
            }
        } else {
            match by_no.get(row.id.as_str()) {
                Some(a) => *a,
                None => {
                    let known = store.employee(&row.id).await?.is_some();
                    let (zh, en) = if known {
                        (
                            format!("工号 {} 不是本周期的被考核人", row.id),
                            format!("employee {} is not appraised in this cycle", row.id),
                        )
                    } else if let Some(near) = closest_emp_no(&row.id, &list) {
                        (
                            format!(
                                "工号 {} 不存在，是否为 {}（{}）？",
                                row.id, near.emp_no, near.name
                            ),
                            format!(
                                "there is no employee {}: did you mean {} ({})?",
                                row.id, near.emp_no, near.name
                            ),
                        )
                    } else {
                        (
                            format!("工号 {} 不存在", row.id),
                            format!("there is no employee {}", row.id),
                        )
                    };
                    problems.push(at(zh, en, id_col));
                    continue;
                }
            }
        };
        if !report.matched_by_name
            && let Some(n) = &row.name
            && n.trim() != a.name
            && !n.trim().is_empty()
        {
            // The wrong person's figures: never stored, also not with skip-invalid.
            let other = by_name
                .get(n.trim())
                .and_then(|v| v.first())
                .map(|o| format!("（{} 是工号 {} 的姓名）", n.trim(), o.emp_no));
            let other_en = by_name
                .get(n.trim())
                .and_then(|v| v.first())
                .map(|o| format!(" ({} is the name of employee {})", n.trim(), o.emp_no));
            problems.push(at(
                format!(
                    "工号 {} 是「{}」，表中姓名却是「{}」{}：请核对是哪一位的数据",
                    a.emp_no,
                    a.name,
                    n.trim(),
                    other.unwrap_or_default()
                ),
                format!(
                    "employee {} is `{}` but the sheet's name is `{}`{}: check whose figures these are",
                    a.emp_no,
                    a.name,
                    n.trim(),
                    other_en.unwrap_or_default()
                ),
                id_col,
            ));
            continue;
        }
        use kaohe_core::workflow::State as W;
        let correcting = matches!(
            a.state,
            W::Review | W::Approval | W::Published | W::Appealed | W::Confirmed
        );
        if correcting && opts.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            problems.push(at(
                format!(
                    "{}（{}）的考核已到「{}」：导入即为更正数据，须写明更正理由",
                    a.name,
                    a.emp_no,
                    a.state.zh()
                ),
                format!(
                    "the appraisal of {} ({}) is {}: importing corrects its data and needs a reason",
                    a.name,
                    a.emp_no,
                    a.state.as_str()
                ),
                None,
            ));
            continue;
        }
        let mut changes = Vec::new();
        for (s, v) in row.values.iter().enumerate() {
            let Some(text) = value_text(&t, s, v) else {
                continue;
            };
            let Some((id, name)) = slot_id(&t, s) else {
                continue;
            };
            let old = written
                .iter()
                .position(|w| *w == id)
                .and_then(|at| a.inputs.get(at).cloned().flatten());
            if old.as_deref() != Some(text.as_str()) {
                changes.push(ValueChange {
                    input: id,
                    name,
                    old,
                    new: text,
                });
            }
        }
        report.rows_matched += 1;
        if !changes.is_empty() {
            versions.push((row.line, a.version));
            report.changes.push(EmployeeChanges {
                row: row.line,
                emp_no: a.emp_no.clone(),
                name: a.name.clone(),
                appraisal_id: a.id,
                changes,
            });
        }
    }
    // What matched the rows is not needed for the writing: not held through it.
    drop((by_no, by_name));
    drop((list, imported));
    problems.sort_by_key(|p| (p.row, p.col));
    let bad: BTreeSet<usize> = problems.iter().map(|p| p.row).collect();
    report.problems = problems;
    if !report.problems.is_empty() {
        if !opts.skip_invalid {
            report.changes.clear();
            report.rows_matched = 0;
            return Err(OfficeFail::Refused(Box::new(report)));
        }
        report.skipped_rows = bad.iter().copied().collect();
        versions.retain(|(line, _)| !bad.contains(line));
        report.changes.retain(|c| !bad.contains(&c.row));
    }
    report.appraisals_changed = report.changes.len();
    report.values_changed = report.changes.iter().map(|c| c.changes.len()).sum();
    if opts.dry_run {
        return Ok(report);
    }
    // What to store, from the changes (built only now: a dry run never needs it).
    let grid: Vec<GridRow> = report
        .changes
        .iter()
        .zip(&versions)
        .map(|(c, (line, version))| {
            debug_assert_eq!(c.row, *line);
            GridRow {
                line: c.row,
                emp_no: c.emp_no.clone(),
                values: c
                    .changes
                    .iter()
                    .map(|v| (v.input.clone(), v.new.clone()))
                    .collect(),
                version: Some(*version),
                reason: opts.reason.clone(),
            }
        })
        .collect();
    drop(versions);
    if !grid.is_empty() {
        progress("写入数据库 / storing", total, total);
        match store.enter_grid(who, cycle_id, opts.dept, &grid).await {
            Ok(_) => {}
            Err(StoreError::Rows(rows)) => {
                report.problems = rows
                    .into_iter()
                    .map(|(line, field, msg)| {
                        let col = cols
                            .cols
                            .iter()
                            .position(|c| field_of(&t, *c).as_deref() == Some(field.as_str()));
                        let (zh, en) = crate::error::both(&msg);
                        problem(&table.problem(line, col, zh, en), Some(field))
                    })
                    .collect();
                report.changes.clear();
                report.appraisals_changed = 0;
                report.values_changed = 0;
                return Err(OfficeFail::Refused(Box::new(report)));
            }
            Err(e) => return Err(e.into()),
        }
    }
    report.stored = true;
    // The form's remembered mapping is HR's to keep.
    if !opts.map.is_empty() && opts.dept.is_none() {
        let mut merged = saved;
        for (h, target) in &opts.map {
            merged.insert(h.trim().to_string(), target.trim().to_string());
        }
        store
            .save_import_mapping(&who.username, &cy.form_id, &merged)
            .await?;
    }
    Ok(report)
}

/// How the header is found: the row the person chose, or the one that best names the
/// form's fields.
pub fn header_pick(t: &Template, row: Option<usize>) -> HeaderPick {
    match row {
        Some(r) => HeaderPick::Row(r),
        None => HeaderPick::Best(std::sync::Arc::new(kaohe_office::header_score(t))),
    }
}

fn candidates(table: &Table) -> Vec<HeaderCandidate> {
    table
        .candidates
        .iter()
        .map(|(row, cells)| HeaderCandidate {
            row: *row,
            cells: cells.clone(),
        })
        .collect()
}

/// The appraisee whose 工号 is one typing slip away from `no` (a letter changed, added,
/// dropped, or two swapped), when exactly one is.
fn closest_emp_no<'a>(no: &str, list: &'a [ImportTarget]) -> Option<&'a ImportTarget> {
    let near: Vec<&ImportTarget> = list
        .iter()
        .filter(|a| one_slip(&no.to_uppercase(), &a.emp_no.to_uppercase()))
        .collect();
    match near.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn one_slip(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return false;
    }
    match a.len() as isize - b.len() as isize {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            diff.len() == 1
                || (diff.len() == 2
                    && diff[1] == diff[0] + 1
                    && a[diff[0]] == b[diff[1]]
                    && a[diff[1]] == b[diff[0]])
        }
        1 | -1 => {
            let (long, short) = if a.len() > b.len() {
                (&a, &b)
            } else {
                (&b, &a)
            };
            (0..long.len()).any(|skip| {
                long.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, c)| c)
                    .eq(short.iter())
            })
        }
        _ => false,
    }
}

/// A proposed column for the UI.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposedColumnView {
    /// Column letter.
    pub column: String,
    pub header: String,
    /// Input id, `id`, `name`, `group`, or `-`; None when unmatched.
    pub target: Option<String>,
    pub target_name: Option<String>,
    /// `exact`, `loose` (confirm it), `remembered` (the form's saved mapping) or None.
    pub how: Option<String>,
}

/// How a file's columns would map to the cycle's form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    pub sheet: String,
    pub header_row: usize,
    pub columns: Vec<ProposedColumnView>,
    pub unmatched: Vec<String>,
    /// No column is the employee number: rows would be matched by name.
    pub missing_id: bool,
    /// The form's remembered mapping.
    pub remembered: BTreeMap<String, String>,
}

/// Propose a mapping of a file's columns to the cycle's form.
pub async fn propose<S: Store>(
    store: &S,
    cycle_id: i64,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Fail<ProposalView> {
    let (cy, t) = cycle_template(store, cycle_id).await?;
    let table = read_table_off(bytes, sheet, "CSV", header_pick(&t, None)).await?;
    let remembered = store.import_mapping(&cy.form_id).await?;
    let p = kaohe_office::propose_mapping(&t, &table.headers);
    let columns = p
        .columns
        .iter()
        .map(|c| {
            let (target, target_name, how) = match remembered.get(&c.header) {
                Some(r) => (
                    Some(r.clone()),
                    t.inputs.iter().find(|i| &i.id == r).map(|i| i.name.clone()),
                    Some("remembered".to_string()),
                ),
                None => (
                    c.target.clone(),
                    c.target_name.clone(),
                    c.how.map(|h| match h {
                        MatchKind::Exact => "exact".to_string(),
                        MatchKind::Loose => "loose".to_string(),
                    }),
                ),
            };
            ProposedColumnView {
                column: kaohe_office::col_letter(c.col),
                header: c.header.clone(),
                target,
                target_name,
                how,
            }
        })
        .collect::<Vec<_>>();
    Ok(ProposalView {
        sheet: table.sheet.clone(),
        header_row: table.header_row,
        unmatched: columns
            .iter()
            .filter(|c| c.target.is_none())
            .map(|c| c.header.clone())
            .collect(),
        missing_id: !columns.iter().any(|c| c.target.as_deref() == Some(ID)),
        columns,
        remembered,
    })
}

// ---------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------

/// `2026-11` → `2026年11月`, `2026-Q4` → `2026年第4季度`, `2026` → `2026年`.
pub fn period_text(p: &str) -> String {
    if let Some((y, q)) = p.split_once("-Q") {
        return format!("{y}年第{q}季度");
    }
    if let Some((y, m)) = p.split_once('-') {
        return format!("{y}年{}月", m.trim_start_matches('0'));
    }
    format!("{p}年")
}

fn when(stamp: &Option<String>) -> Option<String> {
    stamp
        .as_ref()
        .map(|s| s.chars().take(16).collect::<String>().replace('T', " "))
}

fn header_of(
    t: &Template,
    cy: &Cycle,
    a: &Appraisal,
    signers: &[kaohe_store::Signer],
) -> FormHeader {
    let signed = |role: &str| {
        let who: Vec<&kaohe_store::Signer> = signers.iter().filter(|s| s.role == role).collect();
        Signature {
            name: (!who.is_empty()).then(|| {
                who.iter()
                    .map(|s| match &s.on_behalf_of {
                        // The printed form is Chinese: 「李四 代 王五」.
                        Some(p) => format!("{} 代 {p}", s.who()),
                        None => s.who(),
                    })
                    .collect::<Vec<_>>()
                    .join("、")
            }),
            time: who
                .iter()
                .map(|s| s.at.clone())
                .max()
                .and_then(|t| when(&Some(t))),
        }
    };
    FormHeader {
        name: a.name.clone(),
        emp_no: a.emp_no.clone(),
        position: match t.form.positions.as_slice() {
            [one] => one.clone(),
            _ => String::new(),
        },
        department: a.department.clone(),
        period: period_text(&cy.period),
        signatures: Signatures {
            appraisee: Signature {
                name: a.confirmed_by.clone(),
                time: when(&a.confirmed_at),
            },
            rater: signed("rater"),
            reviewer: signed("reviewer"),
            approver: {
                let s = signed("approver");
                Signature {
                    time: s.time.or_else(|| when(&a.published_at)),
                    name: s.name,
                }
            },
        },
    }
}

/// Score `which` (appraisals of the cycle, each one `who` sees with its scores) into filled
/// forms. The rows and peer averages come from the store's one scoring context
/// ([`Store::form_rows`]), so a printed form shows exactly the stored figures.
pub async fn filled_forms<S: Store>(
    store: &S,
    who: &User,
    t: &Template,
    cy: &Cycle,
    which: &[Appraisal],
) -> Fail<Vec<FilledForm>> {
    let engine = kaohe_store::engine_for(t, cy)?;
    let ids: Vec<i64> = which.iter().map(|a| a.id).collect();
    let rows = store.form_rows(who, cy.id, &ids).await?;
    let mut forms = Vec::with_capacity(which.len());
    for (a, row) in which.iter().zip(rows) {
        let signers = store.signers(a.id).await?;
        let f = FilledForm::score_with_peers(
            &engine,
            header_of(t, cy, a, &signers),
            row.values,
            &row.peers,
        )
        .map_err(|e| {
            OfficeFail::NotFound(Text::pair(
                format!(
                    "{}（{}）的考核表还不能计分：{}",
                    a.name,
                    a.emp_no,
                    e.msg.render(kaohe_core::Lang::Zh)
                ),
                format!(
                    "the appraisal of {} ({}) cannot be scored yet: {}",
                    a.name,
                    a.emp_no,
                    e.msg.render(kaohe_core::Lang::En)
                ),
            ))
        })?;
        forms.push(f);
    }
    Ok(forms)
}

/// One appraisal's form as an `.xlsx`, as `who` may see it: refused (not found) when the
/// scores are hidden from them (e.g. the appraisee before publication).
pub async fn form_xlsx<S: Store>(
    store: &S,
    who: &User,
    appraisal_id: i64,
) -> Fail<(String, Vec<u8>)> {
    let a = store.appraisal(who, appraisal_id).await?;
    if a.result.as_ref().and_then(|r| r.total.as_ref()).is_none() {
        return Err(OfficeFail::NotFound(no_score_yet(appraisal_id)));
    }
    let (cy, t) = cycle_template(store, a.cycle_id).await?;
    let forms = filled_forms(store, who, &t, &cy, std::slice::from_ref(&a)).await?;
    let Some(form) = forms.into_iter().next() else {
        return Err(OfficeFail::NotFound(no_score_yet(appraisal_id)));
    };
    let bytes = write_off(move || kaohe_office::form::form_workbook(&t, &form)).await?;
    Ok((
        format!("{}-{}-{}.xlsx", cy.form_id, cy.period, a.emp_no),
        bytes,
    ))
}

/// A department's forms in one workbook, a sheet per employee (HR). `dept` is the
/// department's code or name.
pub async fn department_xlsx<S: Store>(
    store: &S,
    who: &User,
    cycle_id: i64,
    dept: &str,
) -> Fail<Vec<u8>> {
    let (cy, t) = cycle_template(store, cycle_id).await?;
    let depts = store.departments().await?;
    let d = depts
        .iter()
        .find(|d| d.code == dept || d.name == dept)
        .ok_or_else(|| {
            OfficeFail::NotFound(Text::pair(
                format!("部门 `{dept}` 不存在"),
                format!("no department `{dept}`"),
            ))
        })?;
    let mut list: Vec<Appraisal> = all_appraisals(store, who, cycle_id)
        .await?
        .into_iter()
        .filter(|a| a.department == d.name && a.result.as_ref().is_some_and(|r| r.total.is_some()))
        .collect();
    if list.is_empty() {
        return Err(OfficeFail::NotFound(Text::pair(
            format!("部门 {} 在本周期没有已计分的考核表", d.name),
            format!(
                "department {} has no scored appraisal in this cycle",
                d.code
            ),
        )));
    }
    list.sort_by(|a, b| a.emp_no.cmp(&b.emp_no));
    let forms = filled_forms(store, who, &t, &cy, &list).await?;
    drop(list);
    write_off(move || kaohe_office::form::department_workbook(&t, &forms)).await
}

fn dec(s: &Option<String>) -> Option<Decimal> {
    s.as_deref().and_then(|s| s.parse().ok())
}

/// The results workbook: ranking and grade distribution per department, the 12-month
/// ledger of the cycle's year — of the appraisees in `scope` only (a 支行 head's workbook
/// holds their 支行).
pub async fn results_xlsx<S: Store>(store: &S, cycle_id: i64, scope: &Scope) -> Fail<Vec<u8>> {
    let (cy, t) = cycle_template(store, cycle_id).await?;
    let mut rows = store.results(cycle_id).await?;
    rows.retain(|r| scope.contains(r.department_id));
    let year = cy.period.split('-').next().unwrap_or("").to_string();
    // Every appraisee's ledger of the year in one query, by 工号.
    let entries = store.cycle_ledger(cycle_id, &year).await?;
    // The book is put together where it is written: grouping 100,000 rows and their
    // ledgers is CPU too.
    write_off(move || results_book(&cy, &t, rows, entries, &year)).await
}

/// The results workbook of `rows` and their ledger `entries` (of `year`).
fn results_book(
    cy: &Cycle,
    t: &kaohe_core::Template,
    mut rows: Vec<kaohe_store::ResultRow>,
    ledger_entries: Vec<(String, kaohe_store::LedgerEntry)>,
    year: &str,
) -> Result<Vec<u8>, OfficeError> {
    use kaohe_office::results::{DeptResults, LedgerRow, ResultRow, ResultsBook};
    let mut entries: HashMap<String, Vec<kaohe_store::LedgerEntry>> = HashMap::new();
    for (emp_no, le) in ledger_entries {
        entries.entry(emp_no).or_default().push(le);
    }
    let mut departments: Vec<DeptResults> = Vec::new();
    // Sized once: grown by doubling, it would briefly hold two copies of itself.
    let mut ledger = Vec::with_capacity(rows.len());
    // Each row and each ledger entry is let go once it is in the book's rows: at 100,000
    // appraisees the book is written with the store's rows already gone.
    for r in std::mem::take(&mut rows) {
        let Some(total) = dec(&r.total) else { continue };
        let rr = ResultRow {
            emp_no: r.emp_no.clone(),
            name: r.name.clone(),
            total,
            grade: r.grade,
            bonus: dec(&r.bonus).unwrap_or_default(),
        };
        match departments
            .iter_mut()
            .find(|d| d.department == r.department)
        {
            Some(d) => d.rows.push(rr),
            None => departments.push(DeptResults {
                department: r.department,
                rows: vec![rr],
            }),
        }
        let mut months: [Option<(Decimal, Decimal)>; 12] = Default::default();
        if let Some(entries) = entries.remove(&r.emp_no) {
            // This form's entry first, then any other form's, per month.
            for pass in [true, false] {
                for le in &entries {
                    if (le.form_id == cy.form_id) != pass {
                        continue;
                    }
                    let Some((y, m)) = le.period.split_once('-') else {
                        continue;
                    };
                    let (Ok(m), Some(total)) = (m.parse::<usize>(), dec(&le.total)) else {
                        continue;
                    };
                    if y == year && (1..=12).contains(&m) && months[m - 1].is_none() {
                        months[m - 1] = Some((total, dec(&le.bonus).unwrap_or_default()));
                    }
                }
            }
        }
        ledger.push(LedgerRow {
            emp_no: r.emp_no,
            name: r.name,
            months,
        });
    }
    drop(entries);
    departments.sort_by(|a, b| a.department.cmp(&b.department));
    ledger.sort_by(|a, b| a.emp_no.cmp(&b.emp_no));
    let order: Vec<String> = t.grades.iter().map(|g| g.name.clone()).collect();
    let period = period_text(&cy.period);
    kaohe_office::results::results_workbook(&ResultsBook {
        period: &period,
        departments: &departments,
        grade_order: &order,
        ledger: &ledger,
    })
}

/// The payroll of a cycle (confirmed appraisals), as CSV or `.xlsx`, with the checksum row.
pub async fn payroll_file<S: Store>(store: &S, cycle_id: i64, xlsx: bool) -> Fail<Vec<u8>> {
    store.cycle(cycle_id).await?;
    let rows: Vec<kaohe_office::payroll::PayrollRow> = store
        .payroll(cycle_id)
        .await?
        .into_iter()
        .map(|r| {
            // A figure that cannot be read is stored data gone wrong: never paid as 0.
            let num = |v: &str, what: &str| {
                v.parse::<Decimal>().map_err(|_| {
                    OfficeFail::Internal(format!(
                        "{} 的{what} `{v}` 无法读取 / the stored {what} `{v}` of {} cannot be read",
                        r.emp_no, r.emp_no
                    ))
                })
            };
            Ok(kaohe_office::payroll::PayrollRow {
                total: num(&r.total, "总分")?,
                bonus: num(&r.bonus, "奖金")?,
                emp_no: r.emp_no,
                name: r.name,
                department: r.department,
                period: r.period,
                grade: (!r.grade.is_empty()).then_some(r.grade),
            })
        })
        .collect::<Fail<_>>()?;
    if xlsx {
        write_off(move || kaohe_office::payroll::payroll_xlsx(&rows)).await
    } else {
        Ok(kaohe_office::payroll::payroll_csv(&rows))
    }
}

// ---------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------

/// Import options in the query string.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Work out the changes, store nothing.
    pub dry_run: Option<bool>,
    /// The sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Import the good rows, list the bad ones.
    pub skip_invalid: Option<bool>,
    /// Column mapping as JSON, header → field (an input id or the name the sheet and the
    /// grid show, `id`/`工号`, `name`/`姓名`, or `-` to leave it out), e.g.
    /// `{"员工号":"工号","实际完成（万元）":"当月实际销售额"}`; remembered for the form.
    pub map: Option<String>,
    /// The header's row (1-based), when the one found is not it.
    pub header_row: Option<usize>,
    /// Why, when the import corrects appraisals from review on (required then).
    pub reason: Option<String>,
}

/// Which sheet.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetQuery {
    /// The sheet to read (default: the first).
    pub sheet: Option<String>,
}

/// The largest file an import takes (64 MB: some 200,000 rows of 20 columns).
pub const MAX_UPLOAD: usize = 64 << 20;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn file(bytes: Vec<u8>, name: &str, content_type: &'static str) -> Response {
    download(bytes, name, content_type, "attachment")
}

/// A file for the browser to save (`disposition` = `attachment`) or show (`inline`) under
/// `name`, which may be Chinese (`2026年12月-大客户经理考核-工资表.xlsx`): RFC 6266's
/// `filename*` carries it in UTF-8, `filename` an ASCII stand-in for old clients.
pub fn download(
    bytes: Vec<u8>,
    name: &str,
    content_type: &'static str,
    disposition: &str,
) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let utf8: String = percent_encode(name);
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// RFC 5987 `attr-char`s kept, every other byte `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A download's name after the cycle: `2026年12月-大客户经理考核-工资表.xlsx`.
pub fn cycle_file_name(c: &Cycle, what: &str, ext: &str) -> String {
    let name: String = c
        .name
        .chars()
        .map(|ch| {
            if ch.is_control() || "/\\:*?\"<>|".contains(ch) {
                '_'
            } else {
                ch
            }
        })
        .collect();
    format!("{}-{}-{what}.{ext}", period_text(&c.period), name.trim())
}

/// Import a cycle's data from the request body (an `.xlsx` workbook or CSV text), HR only.
/// All rows or none (unless `skip_invalid`); 422 names each problem's sheet, row and column.
#[utoipa::path(post, path = "/api/cycles/{id}/import", params(("id" = i64, Path), ImportQuery), request_body(content = String, content_type = "application/octet-stream"), responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<axum::Json<ImportReport>> {
    let who = auth.may_all(Capability::ManageCycles)?;
    let map: BTreeMap<String, String> = match q.map.as_deref() {
        Some(m) if !m.trim().is_empty() => {
            serde_json::from_str(m).map_err(|e| ApiError::BadRequest(format!("map: {e}")))?
        }
        _ => BTreeMap::new(),
    };
    let opts = ImportOptions {
        sheet: q.sheet,
        file_name: "CSV".into(),
        map,
        dry_run: q.dry_run.unwrap_or(false),
        skip_invalid: q.skip_invalid.unwrap_or(false),
        header_row: q.header_row,
        reason: q.reason,
        dept: None,
    };
    let r = import_file(&st.store, who, id, &body, &opts, &|_, _, _| {}).await?;
    Ok(axum::Json(r))
}

/// Propose how the columns of a file (the request body) map to the cycle's form, HR only.
#[utoipa::path(post, path = "/api/cycles/{id}/import/propose", params(("id" = i64, Path), SheetQuery), request_body(content = String, content_type = "application/octet-stream"), responses((status = 200, body = ProposalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_propose<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<SheetQuery>,
    body: Bytes,
) -> ApiResult<axum::Json<ProposalView>> {
    auth.may_all(Capability::ManageCycles)?;
    Ok(axum::Json(
        propose(&st.store, id, &body, q.sheet.as_deref()).await?,
    ))
}

/// One appraisal's form as an `.xlsx`, for whoever may see its scores (404 when hidden).
#[utoipa::path(get, path = "/api/appraisals/{id}/form.xlsx", params(("id" = i64, Path)), responses((status = 200, body = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn form<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (name, bytes) = form_xlsx(&st.store, &auth.0, id).await?;
    Ok(file(bytes, &name, XLSX))
}

/// A cycle's results workbook (HR; reviewers and approvers get their departments' rows).
#[utoipa::path(get, path = "/api/cycles/{id}/results.xlsx", params(("id" = i64, Path)), responses((status = 200, body = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn results<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let scope = auth.may(Capability::ViewResults)?;
    let c = crate::cycles::cycle_in_scope(&st.store, &auth.0, &scope, id).await?;
    let bytes = results_xlsx(&st.store, id, &scope).await?;
    Ok(file(bytes, &cycle_file_name(&c, "考核结果", "xlsx"), XLSX))
}

/// A cycle's payroll as `.xlsx` with the checksum row (HR).
#[utoipa::path(get, path = "/api/cycles/{id}/payroll.xlsx", params(("id" = i64, Path)), responses((status = 200, body = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn payroll<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    auth.may_all(Capability::Payroll)?;
    let c = st.store.cycle(id).await?;
    let bytes = payroll_file(&st.store, id, true).await?;
    Ok(file(bytes, &cycle_file_name(&c, "工资表", "xlsx"), XLSX))
}

/// The payroll of the cycle's confirmed appraisals as CSV (HR): UTF-8 with BOM so Excel
/// opens it; the same columns as the `.xlsx`; the last line is the checksum (rows and the
/// sum of bonuses).
#[utoipa::path(get, path = "/api/cycles/{id}/payroll.csv", params(("id" = i64, Path)), responses((status = 200, body = String, content_type = "text/csv"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn payroll_csv<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    auth.may_all(Capability::Payroll)?;
    let c = st.store.cycle(id).await?;
    let bytes = payroll_file(&st.store, id, false).await?;
    Ok(file(
        bytes,
        &cycle_file_name(&c, "工资表", "csv"),
        "text/csv; charset=utf-8",
    ))
}

/// Text of an uploaded CSV: UTF-8 (a BOM dropped), else GB18030 as Excel on Chinese
/// Windows saves it.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// An organisation file into rows: `.xlsx` (its first sheet) by its zip signature, else CSV.
/// The same columns either way ([`kaohe_store::ORG_HEADERS`]); the error, in both
/// languages (`中文 / English`), says what the header lacks or why the file cannot be read.
pub fn org_rows(bytes: &[u8]) -> Result<Vec<kaohe_store::OrgRow>, String> {
    if is_xlsx(bytes) || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        let t = kaohe_office::read_xlsx(bytes, None).map_err(|e| e.to_string())?;
        kaohe_store::org_rows(&t.headers, t.rows.into_iter().map(|r| (r.row, r.cells)))
    } else {
        kaohe_store::parse_org_csv(&decode_text(bytes))
    }
}

/// The organisation export as `.xlsx` (sheet 组织架构): the columns and rows of the CSV.
pub fn org_xlsx(rows: &[kaohe_store::OrgRow]) -> Result<Vec<u8>, OfficeError> {
    kaohe_office::text_workbook(
        "组织架构",
        &kaohe_store::ORG_HEADERS,
        rows.iter().map(|r| r.cells().to_vec()),
    )
}

/// The organisation — the department tree and every active employee — as CSV (HR), in the
/// import's format: importing it back changes nothing.
#[utoipa::path(get, path = "/api/org/export.csv", responses((status = 200, body = String, content_type = "text/csv"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn org_export_csv<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<Response> {
    auth.may_all(Capability::ManageOrg)?;
    let rows = st.store.org_export().await?;
    Ok(file(
        kaohe_store::org_csv(&rows),
        "组织架构.csv",
        "text/csv; charset=utf-8",
    ))
}

/// The organisation as `.xlsx` (HR): the same columns and rows as the CSV export.
#[utoipa::path(get, path = "/api/org/export.xlsx", responses((status = 200, body = String, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn org_export_xlsx<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<Response> {
    auth.may_all(Capability::ManageOrg)?;
    let rows = st.store.org_export().await?;
    let bytes = write_off(move || org_xlsx(&rows)).await?;
    Ok(file(bytes, "组织架构.xlsx", XLSX))
}

/// The ids of the inputs department `dept` supplies on form `t`.
pub async fn dept_inputs<S: Store>(store: &S, t: &Template, dept: i64) -> Fail<Vec<String>> {
    let depts = store.departments().await?;
    let (owners, _) = kaohe_store::input_owners(t, &depts);
    Ok(t.inputs
        .iter()
        .zip(&owners)
        .filter(|(_, o)| **o == kaohe_store::Owner::Dept(dept))
        .map(|(i, _)| i.id.clone())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook is written off the async executor: here the writer waits for a task of
    /// the same single-threaded runtime, which could never run if the writing held the
    /// runtime's only thread (the test would fail after 10 s instead of hanging).
    #[tokio::test(flavor = "current_thread")]
    async fn workbooks_are_written_while_the_executor_serves_others() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let served = tokio::spawn(async move {
            tokio::task::yield_now().await;
            tx.send(()).expect("the writer waits");
        });
        let bytes = write_off(move || {
            rx.recv_timeout(std::time::Duration::from_secs(10))
                .map_err(|e| OfficeError::Io(std::io::Error::other(e)))?;
            kaohe_office::text_workbook("表", &["工号"], [vec!["007".to_string()]])
        })
        .await
        .expect("the other task ran while the workbook was written");
        served.await.unwrap();
        assert!(is_xlsx(&bytes));
    }

    /// A keyset walk of ids 1..=n where the reader sees only `visible` ids, pages of
    /// `limit` rows (the store's `import_targets` shape).
    fn walk(
        ids: &[i64],
        visible: impl Fn(i64) -> bool + Copy,
        limit: usize,
        after: i64,
    ) -> (Vec<i64>, Option<i64>) {
        let page: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|&i| i > after && visible(i))
            .take(limit)
            .collect();
        let next = (page.len() == limit).then(|| *page.last().unwrap());
        (page, next)
    }

    /// The pages read two at a time give every row the walk one page after another gives,
    /// once each, in order: with every row visible, with a reader who sees a part (pages
    /// shorter than their ranges), and with rows added after the starts were read.
    #[test]
    fn pages_read_at_once_are_the_walk() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let ids: Vec<i64> = (1..=2345).collect();
        let starts =
            |ids: &[i64]| -> Vec<i64> { ids.iter().copied().skip(99).step_by(100).collect() };
        let seen_once = |visible: fn(i64) -> bool, ids: &[i64], starts: &[i64]| {
            let got: Vec<i64> = rt
                .block_on(pages_at_once(
                    starts,
                    |i: &i64| *i,
                    |after| {
                        let page = walk(ids, visible, 100, after);
                        async move { Ok::<_, ()>(page) }
                    },
                ))
                .unwrap();
            let want: Vec<i64> = ids.iter().copied().filter(|&i| visible(i)).collect();
            assert_eq!(got, want);
        };
        seen_once(|_| true, &ids, &starts(&ids));
        seen_once(
            |i| i % 7 == 0 || (300..700).contains(&i),
            &ids,
            &starts(&ids),
        );
        seen_once(|_| false, &ids, &starts(&ids));
        // 250 appraisals added after the starts were read: the last range reads on.
        let more: Vec<i64> = (1..=2595).collect();
        seen_once(|_| true, &more, &starts(&ids));
        // No starts (a cycle of under a page, or an empty one).
        seen_once(|_| true, &ids[..42], &[]);
        seen_once(|_| true, &[], &[]);
    }

    #[test]
    fn periods_read_like_a_sheet() {
        assert_eq!(period_text("2026-11"), "2026年11月");
        assert_eq!(period_text("2026-03"), "2026年3月");
        assert_eq!(period_text("2026-Q4"), "2026年第4季度");
        assert_eq!(period_text("2026"), "2026年");
    }

    #[test]
    fn xlsx_by_signature() {
        assert!(is_xlsx(b"PK\x03\x04rest"));
        assert!(!is_xlsx("工号,姓名".as_bytes()));
    }

    #[test]
    fn typing_slips_in_employee_numbers() {
        assert!(one_slip("E0001", "E0002"));
        assert!(one_slip("E001", "E0001"));
        assert!(one_slip("E0021", "E0012"));
        assert!(!one_slip("E001", "E001"));
        assert!(!one_slip("E001", "E123"));
    }
}

/// The rater roles of form `t` as 考核关系 files head their columns: (rater id, the names
/// a header may give it — the id, the Chinese and English names; 评分人/Rater for the
/// rater of a form that names none).
pub fn relation_roles(t: &Template) -> Vec<(String, Vec<String>)> {
    use crate::web::i18n::text;
    kaohe_store::rules::rule_roles(t)
        .into_iter()
        .map(|id| {
            let mut names = vec![id.clone()];
            match t.raters.iter().find(|r| r.id == id) {
                Some(r) => {
                    names.push(r.name.clone());
                    names.extend(r.name_en.clone());
                }
                None => {
                    names.push(text(kaohe_store::Lang::Zh, "rel-rater", &[]));
                    names.push(text(kaohe_store::Lang::En, "rel-rater", &[]));
                }
            }
            (id, names)
        })
        .collect()
}

/// The rows of a 考核关系 file (the layout of `relations.xlsx`: 工号, 姓名, then a column per
/// rater role holding the rater's 工号; other columns — names, 单位, 复核, 审批 — are
/// ignored). Refused when the file has no 工号 column or no rater column.
pub fn relation_edits(
    t: &Template,
    table: &Table,
) -> Result<Vec<kaohe_store::RelationEdit>, OfficeFail> {
    let norm = |s: &str| s.trim().to_lowercase();
    let emp_heads = ["工号", "employee no.", "emp_no", "employee number"];
    let label = |i: usize| format!("{} {}", kaohe_office::col_letter(i), table.headers[i]);
    let Some(emp) = table
        .headers
        .iter()
        .position(|h| emp_heads.contains(&norm(h).as_str()))
    else {
        return Err(OfficeFail::File(
            "文件没有「工号」列 / the file has no employee no. column".into(),
        ));
    };
    let roles = relation_roles(t);
    let cols: Vec<(usize, String)> = table
        .headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let h = norm(h);
            roles
                .iter()
                .find(|(_, names)| names.iter().any(|n| norm(n) == h))
                .map(|(id, _)| (i, id.clone()))
        })
        .collect();
    if cols.is_empty() {
        let names: Vec<String> = roles.iter().filter_map(|r| r.1.get(1).cloned()).collect();
        return Err(OfficeFail::File(format!(
            "文件没有评分人列（应为：{zh}） / the file has no rater column (expected: {en})",
            zh = names.join("、"),
            en = roles
                .iter()
                .filter_map(|r| r.1.last().cloned())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(table
        .rows
        .iter()
        .filter(|r| !r.cells.get(emp).is_none_or(|c| c.trim().is_empty()))
        .map(|r| kaohe_store::RelationEdit {
            line: r.row,
            emp_no: r.cells[emp].trim().to_string(),
            emp_col: label(emp),
            raters: cols
                .iter()
                .map(|(i, id)| {
                    (
                        id.clone(),
                        label(*i),
                        r.cells.get(*i).cloned().unwrap_or_default(),
                    )
                })
                .collect(),
        })
        .collect())
}

/// Import a 考核关系 file (`.xlsx` or CSV) into cycle `cycle_id` as `who`: a draft's raters
/// per person, or a launched cycle's open tasks moved. All rows or none.
pub async fn import_relations_file<S: Store>(
    store: &S,
    who: &User,
    cycle_id: i64,
    bytes: &[u8],
    file_name: &str,
) -> Fail<kaohe_store::RelationsImport> {
    let (_, t) = store.cycle_form(cycle_id).await?;
    let table = read_table_off(bytes, None, file_name, HeaderPick::Auto).await?;
    let edits = relation_edits(&t, &table)?;
    Ok(store.import_relations(who, cycle_id, &edits).await?)
}

/// What an import of 考核关系 did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationsImportView {
    /// The cycle is a draft: raters named per person were set or cleared.
    pub draft: bool,
    /// Raters changed (per-person raters of a draft, or open tasks moved).
    pub changed: usize,
}

/// Import a cycle's 考核关系 from the request body (an `.xlsx` workbook or CSV text in the
/// layout of `relations.xlsx`), HR only. A draft: raters named per person; launched: each
/// changed rater of an open task moves the task (audited). All rows or none; 422 names each
/// problem's row and column.
#[utoipa::path(post, path = "/api/cycles/{id}/relations", params(("id" = i64, Path)), request_body(content = String, content_type = "application/octet-stream"), responses((status = 200, body = RelationsImportView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_relations<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    body: Bytes,
) -> ApiResult<axum::Json<RelationsImportView>> {
    let who = auth.may_all(Capability::ManageCycles)?;
    let r = import_relations_file(&st.store, who, id, &body, "CSV").await?;
    Ok(axum::Json(RelationsImportView {
        draft: r.draft,
        changed: r.changed,
    }))
}
