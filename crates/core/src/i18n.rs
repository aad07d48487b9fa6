//! Messages people read, in zh-CN (default) and English, from Fluent catalogues
//! compiled into the binary.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::OnceLock;

/// A language a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parse `zh`, `zh-CN`, `en`, `en-US` …
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
    /// Both languages, Chinese first.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];
}

/// A message key with its arguments, rendered later in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The catalogue key.
    pub key: &'static str,
    /// Named arguments, already formatted.
    pub args: Vec<(&'static str, String)>,
    /// Arguments that read differently in English (names with an English form).
    pub en: Vec<(&'static str, String)>,
}

/// Build a [`Msg`]: `msg!("key", name = value, …)`.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::i18n::Msg { key: $key, args: vec![$((stringify!($k), ($v).to_string())),*], en: Vec::new() }
    };
}

/// The zh-CN catalogue source.
pub const ZH_FTL: &str = include_str!("../i18n/zh-CN.ftl");
/// The English catalogue source.
pub const EN_FTL: &str = include_str!("../i18n/en.ftl");

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static ZH: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    let (cell, src, id) = match lang {
        Lang::Zh => (&ZH, ZH_FTL, "zh-CN"),
        Lang::En => (&EN, EN_FTL, "en-US"),
    };
    cell.get_or_init(|| {
        let res = FluentResource::try_new(src.to_string()).expect("bundled catalogue parses");
        let langid: unic_langid::LanguageIdentifier = id.parse().expect("valid language id");
        let mut b = FluentBundle::new_concurrent(vec![langid]);
        b.set_use_isolating(false);
        b.add_resource(res)
            .expect("bundled catalogue has no duplicate keys");
        b
    })
}

/// Does the catalogue of `lang` have `key`?
pub fn has_key(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

impl Msg {
    /// Give argument `k` another value in English (a name's English form).
    pub fn en_arg(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.en.push((k, v.into()));
        self
    }

    /// Render in `lang`; a missing key renders as the key itself (and a test fails on it).
    pub fn render(&self, lang: Lang) -> String {
        let b = bundle(lang);
        let Some(m) = b.get_message(self.key) else {
            return format!("{{{}}}", self.key);
        };
        let Some(p) = m.value() else {
            return format!("{{{}}}", self.key);
        };
        let mut args = FluentArgs::new();
        for (k, v) in &self.args {
            args.set(*k, v.as_str());
        }
        if lang == Lang::En {
            for (k, v) in &self.en {
                args.set(*k, v.as_str());
            }
        }
        let mut errs = Vec::new();
        b.format_pattern(p, Some(&args), &mut errs).into_owned()
    }
}
