//! `kaohe`: the command line of kaohe (考核), performance appraisal for customer managers.
// One call into the allocator's C interface (`return_memory_promptly`); every library
// crate forbids unsafe code.
#![deny(unsafe_code)]

/// `println!` that ends quietly when the reader has gone (`kaohe … | head`).
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}
pub(crate) use outln;

/// mimalloc gives freed memory back to the system: with glibc's allocator a server kept
/// the peak of its largest export or import for good (one arena per thread).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (include/mimalloc.h): how long
/// freed memory is kept before it goes back to the system, in milliseconds.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system at once, in small pieces.
///
/// At once, not after mimalloc's delay: a pause the threads of a quiet server never see
/// the end of, so a server stayed at the peak of its last big import (~480 MB after
/// importing 100,000 rows, ~200 MB with this). `MIMALLOC_PURGE_DELAY` in the environment
/// still decides when set.
///
/// In small pieces: mimalloc asks for transparent huge pages for its memory (it maps it
/// before `main`, so its own option comes too late), and then a page given back and taken
/// again is 2 MiB cleared and counted whole. Without them (`PR_SET_THP_DISABLE`, for this
/// process only) the 100,000-row import peaked at 205–230 MB instead of 230–280 MB on
/// SQLite, and the server was at 57–64 MB instead of ~80 MB after it on PostgreSQL, for
/// the same CPU time. `KAOHE_HUGE_PAGES=1` leaves them on.
fn return_memory_promptly() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists (the
        // function is not thread-safe); the option is an integer in the allocator's own
        // table, read by it on the next purge.
        #[allow(unsafe_code)]
        unsafe {
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        }
    }
    #[cfg(target_os = "linux")]
    if std::env::var_os("KAOHE_HUGE_PAGES").is_none_or(|v| v != "1") {
        // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and changes only this
        // process's memory policy; a kernel that refuses it leaves things as they were.
        #[allow(unsafe_code)]
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

mod admin;
mod bench;
mod bench_cycle;
mod bench_notify;
mod bench_pages;
mod bench_relations;
mod bench_serve;
mod bundled;
mod demo_bank;
mod load;
mod logging;
mod office_cmd;
mod score;
mod serve;
mod template_cmd;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kaohe_core::Lang;
use std::path::PathBuf;
use std::process::ExitCode;

/// kaohe (考核): 客户经理绩效考核 — score appraisal forms exactly, explain every point.
#[derive(Parser)]
#[command(name = "kaohe", version, about, long_about = None)]
struct Cli {
    /// Language of messages: zh (简体中文, default), en, or both.
    #[arg(long, global = true, default_value = "zh", value_enum)]
    lang: LangArg,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LangArg {
    Zh,
    En,
    Both,
}

impl LangArg {
    fn langs(self) -> Vec<Lang> {
        match self {
            LangArg::Zh => vec![Lang::Zh],
            LangArg::En => vec![Lang::En],
            LangArg::Both => vec![Lang::Zh, Lang::En],
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Templates: check, show, test, list (模板: 检查、显示、测试、列表).
    Template {
        #[command(subcommand)]
        cmd: TemplateCmd,
    },
    /// Score a batch of appraisees from CSV or JSON (批量计分).
    Score(score::ScoreArgs),
    /// Score the bundled example of a form, with explanations: a first look at kaohe.
    Demo {
        /// Form id of a bundled template.
        #[arg(default_value = "F01")]
        form: String,
    },
    /// Run the server: the JSON API (服务). `--demo` loads a demo company.
    Serve(serve::ServeArgs),
    /// Create or update the database schema (数据库迁移).
    Migrate {
        #[command(flatten)]
        db: admin::DbArgs,
    },
    /// Users (用户).
    User {
        #[command(flatten)]
        db: admin::DbArgs,
        #[command(subcommand)]
        cmd: admin::UserCmd,
    },
    /// Organisation: departments, positions, employees (组织架构).
    Org {
        #[command(flatten)]
        db: admin::DbArgs,
        #[command(subcommand)]
        cmd: admin::OrgCmd,
    },
    /// The audit log (审计日志).
    Audit {
        #[command(flatten)]
        db: admin::DbArgs,
        #[command(subcommand)]
        cmd: admin::AuditCmd,
    },
    /// A consistent copy of the live SQLite database (备份).
    Backup {
        #[command(flatten)]
        db: admin::DbArgs,
        /// The copy to write (must not exist).
        file: PathBuf,
    },
    /// Import a cycle's data (metric data and rater scores) from .xlsx or .csv (导入数据).
    Import(office_cmd::ImportArgs),
    /// Export filled forms, department workbooks, results or payroll (导出 Excel).
    Export {
        #[command(subcommand)]
        what: office_cmd::ExportCmd,
    },
    /// Benchmarks (性能测试).
    Bench {
        #[command(subcommand)]
        what: BenchCmd,
    },
}

#[derive(Subcommand)]
enum TemplateCmd {
    /// Check template files: errors and warnings with file:line:column and a fix.
    Check {
        /// Template files, or bundled ids such as F01 (default: all bundled).
        files: Vec<String>,
    },
    /// Print the form as the sheet reads, with every rule in words.
    Show {
        /// A template file or a bundled id (F01 … F18).
        template: String,
    },
    /// Run a template's worked examples.
    Test {
        /// Template files or bundled ids (default: all bundled).
        templates: Vec<String>,
        /// The examples file (default: examples/<id>.toml beside the template).
        #[arg(long)]
        examples: Option<PathBuf>,
    },
    /// List the bundled templates.
    List,
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Score generated F01 appraisees: compute-only throughput and CSV-to-CSV time.
    Engine(bench::EngineArgs),
    /// Excel import of generated F01 rows and export of filled forms.
    Office(bench::OfficeArgs),
    /// A synthetic company's monthly F01 cycle: launch, load all inputs, score, persist, rank.
    Cycle(bench_cycle::CycleArgs),
    /// HR's and everyone's pages over a 10,000-employee cycle on SQLite: median and p95 times.
    Pages(bench_pages::PagesArgs),
    /// The server under load over the demo company: reads, writes, both, and reads during a
    /// sign-in flood (SQLite by default, PostgreSQL by URL).
    Serve(bench_serve::ServeBenchArgs),
    /// Notifications: queuing the due-soon reminders of a 100,000-appraisee cycle, and
    /// delivery to a local webhook receiver (messages/s).
    Notify(bench_notify::NotifyArgs),
    /// 考核关系: every appraisee's raters found by rules in a five-level tree (100,000
    /// employees ≤ 2 s): the pure plan, and the launch preview through the store.
    Relations(bench_relations::RelationsArgs),
}

/// Shared by commands that take `--param id=value`.
#[derive(Args, Clone, Default)]
pub struct ParamArgs {
    /// Set a template parameter for the whole batch: --param target_pct=95
    #[arg(long = "param", value_name = "ID=VALUE")]
    pub params: Vec<String>,
}

fn main() -> ExitCode {
    return_memory_promptly();
    let cli = Cli::parse();
    let langs = cli.lang.langs();
    let result = match cli.cmd {
        Cmd::Template { cmd } => match cmd {
            TemplateCmd::Check { files } => template_cmd::check(&files, &langs),
            TemplateCmd::Show { template } => template_cmd::show(&template, &langs),
            TemplateCmd::Test {
                templates,
                examples,
            } => template_cmd::test(&templates, examples.as_deref(), &langs),
            TemplateCmd::List => template_cmd::list(),
        },
        Cmd::Score(args) => score::run(&args, &langs),
        Cmd::Demo { form } => score::demo(&form, &langs),
        Cmd::Serve(a) => serve::run(&a),
        Cmd::Migrate { db } => admin::migrate(&db),
        Cmd::User { db, cmd } => admin::user(&db, &cmd),
        Cmd::Org { db, cmd } => admin::org(&db, &cmd),
        Cmd::Audit { db, cmd } => admin::audit(&db, &cmd),
        Cmd::Backup { db, file } => admin::backup(&db, &file),
        Cmd::Import(a) => office_cmd::import(&a),
        Cmd::Export { what } => office_cmd::export(&what, langs[0]),
        Cmd::Bench { what } => match what {
            BenchCmd::Engine(a) => bench::engine(&a),
            BenchCmd::Office(a) => bench::office(&a),
            BenchCmd::Cycle(a) => bench_cycle::run(&a),
            BenchCmd::Pages(a) => bench_pages::run(&a),
            BenchCmd::Serve(a) => bench_serve::run(&a),
            BenchCmd::Notify(a) => bench_notify::run(&a),
            BenchCmd::Relations(a) => bench_relations::run(&a),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kaohe: {e:#}");
            ExitCode::from(2)
        }
    }
}
