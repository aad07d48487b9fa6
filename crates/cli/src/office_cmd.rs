//! `kaohe import` and `kaohe export`: a cycle's data in from Excel/CSV, forms, results and
//! payroll out. The work is `kaohe_server::office`'s, shared with the HTTP API.

use crate::admin::{DbArgs, open, runtime};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kaohe_server::office::{self, ImportOptions, ImportReport, OfficeFail};
use kaohe_store::{Db, Store, User};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `kaohe import`.
#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The cycle to import into (its id).
    #[arg(long)]
    pub cycle: i64,
    /// An .xlsx workbook or a .csv file: a header row (工号 or 姓名, and the form's fields
    /// by id, Chinese or English name), one row per employee.
    pub file: PathBuf,
    /// The sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Map a column to a field by the name the sheet and the grid show, or its id:
    /// --map "实际完成（万元）=当月实际销售额" (repeat; `-` leaves a column out). Remembered
    /// for the form once the import is stored.
    #[arg(long = "map", value_name = "表头=字段")]
    pub map: Vec<String>,
    /// Show what would change (per employee: field old → new) and store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows and list the bad ones (default: one bad row imports nothing).
    #[arg(long)]
    pub skip_invalid: bool,
    /// The header's row (as Excel numbers it), when the one found is not it (default: the
    /// row that best names the form's fields and 工号/姓名).
    #[arg(long, value_name = "ROW")]
    pub header_row: Option<usize>,
    /// Why: required when the import changes appraisals already in review, approval or
    /// published (a correction, audited with this reason).
    #[arg(long, value_name = "理由")]
    pub reason: Option<String>,
    /// The HR administrator the import is done as (and audited under).
    #[arg(long = "as", value_name = "USER", default_value = "hr")]
    pub as_user: String,
}

/// The file format of a form or results export.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Xlsx,
    /// Printed by headless Chromium from kaohe's print page (A4).
    Pdf,
}

/// Where PDFs come from.
#[derive(Args)]
pub struct PdfArgs {
    /// xlsx or pdf (default: from the output's extension, else xlsx).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The Chromium binary that prints PDFs (default: chromium on the PATH).
    #[arg(long, env = "KAOHE_CHROMIUM", value_name = "PATH")]
    pub chromium: Option<PathBuf>,
}

impl PdfArgs {
    /// The format asked for: `--format`, else the output's extension, else xlsx.
    fn format(&self, output: Option<&Path>) -> Result<Format> {
        let ext = output
            .and_then(|o| o.extension())
            .and_then(|e| e.to_str())
            .map(str::to_lowercase);
        Ok(match (self.format, ext.as_deref()) {
            (Some(f), _) => f,
            (None, Some("pdf")) => Format::Pdf,
            (None, Some("xlsx") | None) => Format::Xlsx,
            (None, Some(_)) => bail!(
                "{}: 请用 .xlsx 或 .pdf 文件名，或用 --format / name an .xlsx or .pdf file, or use --format",
                output.map(|o| o.display().to_string()).unwrap_or_default()
            ),
        })
    }

    fn chromium(&self) -> Result<PathBuf> {
        kaohe_server::pdf::chromium(self.chromium.as_deref()).map_err(anyhow::Error::msg)
    }
}

/// `kaohe export …`.
#[derive(Subcommand)]
pub enum ExportCmd {
    /// One appraisal's filled form, laid out like the paper sheet (.xlsx or .pdf):
    /// `--appraisal ID`, or `--cycle N --employee NO`.
    Form {
        #[command(flatten)]
        db: DbArgs,
        /// The appraisal's id.
        #[arg(long, required_unless_present = "employee", conflicts_with_all = ["cycle", "employee"])]
        appraisal: Option<i64>,
        /// The cycle (with --employee).
        #[arg(long, requires = "employee")]
        cycle: Option<i64>,
        /// The employee's number 工号 (with --cycle).
        #[arg(long, requires = "cycle")]
        employee: Option<String>,
        /// The file to write (default: <form>-<period>-<工号>.xlsx or .pdf).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Write a PDF to this file (the same as `-o FILE --format pdf`).
        #[arg(long, value_name = "FILE", conflicts_with = "output")]
        pdf: Option<PathBuf>,
        #[command(flatten)]
        pdf_args: PdfArgs,
        /// Export as this user (what they may see).
        #[arg(long = "as", value_name = "USER", default_value = "hr")]
        as_user: String,
    },
    /// A department's filled forms: one sheet per employee (.xlsx).
    Department {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        cycle: i64,
        /// The department's code (or name).
        #[arg(long)]
        department: String,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long = "as", value_name = "USER", default_value = "hr")]
        as_user: String,
    },
    /// The results: ranking and grade distribution per department, 12-month ledger (.xlsx);
    /// or as a PDF: ranking, grade distribution and bonuses per department.
    Results {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        cycle: i64,
        /// The file to write (default: results-<cycle>.xlsx or .pdf).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        pdf_args: PdfArgs,
    },
    /// The payroll of the confirmed appraisals with a checksum row (.csv or .xlsx).
    Payroll {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        cycle: i64,
        /// FILE.csv (UTF-8 with BOM) or FILE.xlsx.
        #[arg(short, long)]
        output: PathBuf,
    },
}

async fn hr_user(store: &Db, name: &str) -> Result<User> {
    let Some(u) = store.user_by_name(name).await? else {
        bail!(
            "用户 `{name}` 不存在，请用 --as 指定人事管理员 / no user `{name}`: name an HR administrator with --as"
        );
    };
    if !u.has(kaohe_store::Role::HrAdmin) {
        bail!(
            "用户 `{name}` 不是人事管理员 (hr_admin) / user `{name}` is not an HR administrator (hr_admin)"
        );
    }
    Ok(u)
}

async fn any_user(store: &Db, name: &str) -> Result<User> {
    store
        .user_by_name(name)
        .await?
        .with_context(|| format!("用户 `{name}` 不存在 / no user `{name}`"))
}

fn parse_map(items: &[String]) -> Result<BTreeMap<String, String>> {
    let mut m = BTreeMap::new();
    for it in items {
        let Some((h, t)) = it.rsplit_once('=') else {
            bail!(
                "--map `{it}`: 应写成 表头=字段 / should be HEADER=FIELD, e.g. \"销售额（万元）=sales_actual\""
            );
        };
        if h.trim().is_empty() {
            bail!("--map `{it}`: 表头为空 / the header is empty");
        }
        m.insert(h.trim().to_string(), t.trim().to_string());
    }
    Ok(m)
}

/// `file: 考核数据!F5 [authorised_work]: 中文 / English`.
fn problem_line(file: &Path, p: &office::ImportProblem) -> String {
    let h = p
        .header
        .as_ref()
        .map(|h| format!(" [{h}]"))
        .unwrap_or_default();
    format!(
        "{}: {}{h}: {} / {}",
        file.display(),
        p.place,
        p.message,
        p.message_en
    )
}

fn show(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(空)")
}

fn print_report(r: &ImportReport, file: &Path) {
    crate::outln!(
        "{}「{}」: 读取 {} 行，匹配 {} 行 / {} rows read, {} matched{}",
        file.display(),
        r.sheet,
        r.rows_read,
        r.rows_matched,
        r.rows_read,
        r.rows_matched,
        if r.matched_by_name {
            "（按姓名匹配 / matched by name）"
        } else {
            ""
        }
    );
    for e in &r.changes {
        crate::outln!(
            "{} {}（第 {} 行 / row {}）:",
            e.emp_no,
            e.name,
            e.row,
            e.row
        );
        for c in &e.changes {
            crate::outln!("  {} {}: {} → {}", c.name, c.input, show(&c.old), c.new);
        }
    }
    for w in &r.warnings {
        eprintln!("注意 / note: {w}");
    }
    if !r.totals_skipped.is_empty() {
        let rows: Vec<String> = r.totals_skipped.iter().map(usize::to_string).collect();
        eprintln!(
            "注意 / note: 合计行未导入 / totals rows left out: {}",
            rows.join(", ")
        );
    }
    if !r.skipped_rows.is_empty() {
        for p in &r.problems {
            eprintln!("{}", problem_line(file, p));
        }
        let rows: Vec<String> = r.skipped_rows.iter().map(usize::to_string).collect();
        eprintln!(
            "跳过的行 / skipped rows ({}): {}",
            rows.len(),
            rows.join(", ")
        );
    }
    if r.dry_run {
        crate::outln!(
            "试运行：将更新 {} 人 {} 项数据，未写入任何数据 / dry run: {} value(s) of {} employee(s) would change; nothing was stored",
            r.appraisals_changed,
            r.values_changed,
            r.values_changed,
            r.appraisals_changed
        );
    } else {
        crate::outln!(
            "已导入：更新 {} 人 {} 项数据 / imported: {} value(s) of {} employee(s) changed",
            r.appraisals_changed,
            r.values_changed,
            r.values_changed,
            r.appraisals_changed
        );
    }
}

/// `kaohe import`.
pub fn import(a: &ImportArgs) -> Result<ExitCode> {
    let bytes = std::fs::read(&a.file)
        .with_context(|| format!("无法读取 / cannot read {}", a.file.display()))?;
    let ext = a
        .file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    if ext == "xls" {
        bail!(
            "{}: 这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx / a legacy .xls file: save it as .xlsx",
            a.file.display()
        );
    }
    let opts = ImportOptions {
        sheet: a.sheet.clone(),
        file_name: a
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        map: parse_map(&a.map)?,
        dry_run: a.dry_run,
        skip_invalid: a.skip_invalid,
        header_row: a.header_row,
        reason: a.reason.clone(),
        dept: None,
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    // Only large files get a bar (it draws on a terminal only).
    let large = bytes.len() > 256 * 1024;
    let progress = |msg: &str, done: usize, total: usize| {
        if large {
            bar.set_message(msg.to_string());
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.tick();
        }
    };
    runtime()?.block_on(async {
        let store = open(&a.db).await?;
        let who = hr_user(&store, &a.as_user).await?;
        let r = office::import_file(&store, &who, a.cycle, &bytes, &opts, &progress).await;
        bar.finish_and_clear();
        match r {
            Ok(r) => {
                print_report(&r, &a.file);
                Ok(ExitCode::SUCCESS)
            }
            Err(OfficeFail::Refused(r)) => {
                for w in &r.warnings {
                    eprintln!("注意 / note: {w}");
                }
                for p in &r.problems {
                    eprintln!("{}", problem_line(&a.file, p));
                }
                eprintln!(
                    "未导入任何数据 / nothing was imported ({} 处错误 / problem(s)){}",
                    r.problems.len(),
                    if a.skip_invalid {
                        ""
                    } else {
                        "；可用 --skip-invalid 跳过错误行 / use --skip-invalid to skip the bad rows"
                    }
                );
                Ok(ExitCode::from(2))
            }
            Err(e) => Err(anyhow::anyhow!("{}: {e}", a.file.display())),
        }
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::score::write_atomic(path, bytes)
        .with_context(|| format!("无法写入 / cannot write {}", path.display()))
}

/// The appraisal of employee `emp_no` in `cycle`.
async fn appraisal_of(store: &Db, who: &User, cycle: i64, emp_no: &str) -> Result<i64> {
    office::all_appraisals(store, who, cycle)
        .await?
        .into_iter()
        .find(|a| a.emp_no == emp_no)
        .map(|a| a.id)
        .with_context(|| {
            format!(
                "周期 {cycle} 中没有员工 {emp_no} 的考核表 / no appraisal of employee {emp_no} in cycle {cycle}"
            )
        })
}

/// `kaohe export …`.
/// PDFs are in `lang` (`--lang en`: English; otherwise 简体中文).
pub fn export(cmd: &ExportCmd, lang: kaohe_core::Lang) -> Result<ExitCode> {
    runtime()?.block_on(async {
        match cmd {
            ExportCmd::Form {
                db,
                appraisal,
                cycle,
                employee,
                output,
                pdf,
                pdf_args,
                as_user,
            } => {
                let (output, format) = match pdf {
                    Some(p) => (Some(p.clone()), Format::Pdf),
                    None => (output.clone(), pdf_args.format(output.as_deref())?),
                };
                // Chromium is looked for before anything else is done.
                let chromium = match format {
                    Format::Pdf => Some(pdf_args.chromium()?),
                    Format::Xlsx => None,
                };
                let store = open(db).await?;
                let who = any_user(&store, as_user).await?;
                let id = match (appraisal, cycle, employee) {
                    (Some(id), _, _) => *id,
                    (None, Some(c), Some(no)) => appraisal_of(&store, &who, *c, no).await?,
                    _ => bail!("请给出 --appraisal，或 --cycle 与 --employee / give --appraisal, or --cycle and --employee"),
                };
                let (name, bytes) = match chromium {
                    Some(ch) => {
                        kaohe_server::pdf::form_pdf(&store, &who, id, lang, Some(&ch)).await?
                    }
                    None => office::form_xlsx(&store, &who, id).await?,
                };
                let output = output.unwrap_or_else(|| PathBuf::from(name));
                write(&output, &bytes)?;
                crate::outln!("已写出考核表 / form written: {}", output.display());
            }
            ExportCmd::Department {
                db,
                cycle,
                department,
                output,
                as_user,
            } => {
                let store = open(db).await?;
                let who = hr_user(&store, as_user).await?;
                let bytes = office::department_xlsx(&store, &who, *cycle, department).await?;
                write(output, &bytes)?;
                crate::outln!(
                    "已写出部门考核表 / department forms written: {}",
                    output.display()
                );
            }
            ExportCmd::Results {
                db,
                cycle,
                output,
                pdf_args,
            } => {
                let format = pdf_args.format(output.as_deref())?;
                let chromium = match format {
                    Format::Pdf => Some(pdf_args.chromium()?),
                    Format::Xlsx => None,
                };
                let store = open(db).await?;
                let bytes = match chromium {
                    Some(ch) => kaohe_server::pdf::results_pdf(&store, *cycle, lang, Some(&ch)).await?,
                    None => {
                        office::results_xlsx(&store, *cycle, &kaohe_store::policy::Scope::All).await?
                    }
                };
                let output = output.clone().unwrap_or_else(|| {
                    PathBuf::from(format!(
                        "results-{cycle}.{}",
                        if format == Format::Pdf { "pdf" } else { "xlsx" }
                    ))
                });
                write(&output, &bytes)?;
                crate::outln!("已写出考核结果 / results written: {}", output.display());
            }
            ExportCmd::Payroll { db, cycle, output } => {
                let xlsx = match output
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_lowercase)
                    .as_deref()
                {
                    Some("xlsx") => true,
                    Some("csv") => false,
                    _ => bail!(
                        "{}: 请用 .csv 或 .xlsx 文件名 / name a .csv or .xlsx file",
                        output.display()
                    ),
                };
                let store = open(db).await?;
                let rows = store.payroll(*cycle).await?;
                let bytes = office::payroll_file(&store, *cycle, xlsx).await?;
                write(output, &bytes)?;
                let sum: rust_decimal::Decimal =
                    rows.iter().filter_map(|r| r.bonus.parse::<rust_decimal::Decimal>().ok()).sum();
                crate::outln!(
                    "已写出工资表 / payroll written: {}（合计 {} 人，奖金 {} 元 / {} employees, bonuses {}）",
                    output.display(),
                    rows.len(),
                    kaohe_core::num::fmt_dp(sum, 2),
                    rows.len(),
                    kaohe_core::num::fmt_dp(sum, 2)
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
