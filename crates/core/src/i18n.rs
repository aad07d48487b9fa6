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

/// A pair of Fluent catalogues (zh-CN and English) compiled into the binary, parsed on first
/// use. The core, the store and the pages each have one.
pub struct Catalogue {
    zh: &'static str,
    en: &'static str,
    bundles: [OnceLock<FluentBundle<FluentResource>>; 2],
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalogue")
    }
}

impl Catalogue {
    /// The catalogue of these two sources (zh-CN, English).
    pub const fn new(zh: &'static str, en: &'static str) -> Self {
        Catalogue {
            zh,
            en,
            bundles: [OnceLock::new(), OnceLock::new()],
        }
    }

    /// The bundle of `lang`.
    pub fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        let (i, src, id) = match lang {
            Lang::Zh => (0, self.zh, "zh-CN"),
            Lang::En => (1, self.en, "en-US"),
        };
        self.bundles[i].get_or_init(|| {
            let res = FluentResource::try_new(src.to_string()).expect("bundled catalogue parses");
            let langid: unic_langid::LanguageIdentifier = id.parse().expect("valid language id");
            let mut b = FluentBundle::new_concurrent(vec![langid]);
            b.set_use_isolating(false);
            b.add_resource(res)
                .expect("bundled catalogue has no duplicate keys");
            b
        })
    }

    /// The source of `lang`'s catalogue.
    pub fn source(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }

    /// Does the catalogue of `lang` have `key`?
    pub fn has_key(&self, lang: Lang, key: &str) -> bool {
        self.bundle(lang).has_message(key)
    }

    /// `m` in `lang`; a missing key renders as `{key}` (and a test fails on it).
    pub fn render(&self, lang: Lang, m: &Msg) -> String {
        let b = self.bundle(lang);
        let Some(p) = b.get_message(m.key).and_then(|x| x.value()) else {
            return format!("{{{}}}", m.key);
        };
        let mut args = FluentArgs::new();
        for (k, v) in &m.args {
            args.set(*k, v.as_str());
        }
        if lang == Lang::En {
            for (k, v) in &m.en {
                args.set(*k, v.as_str());
            }
        }
        let mut errs = Vec::new();
        b.format_pattern(p, Some(&args), &mut errs).into_owned()
    }
}

/// The core's messages (diagnostics, explanations).
pub static CORE: Catalogue = Catalogue::new(ZH_FTL, EN_FTL);

/// Does the core catalogue of `lang` have `key`?
pub fn has_key(lang: Lang, key: &str) -> bool {
    CORE.has_key(lang, key)
}

/// Text a person reads, kept as a message of a catalogue with its arguments until it is
/// rendered in the reader's language at the edge (an API's `message` and `message_en`, a
/// page in its language, the command line in both).
#[derive(Clone)]
pub enum Text {
    /// A catalogue's message and its arguments.
    Msg {
        /// The catalogue the key belongs to.
        catalogue: &'static Catalogue,
        /// The message and its arguments.
        msg: Msg,
    },
    /// Text already in both languages (from outside any catalogue, e.g. a database's own
    /// words, or a message built from other texts).
    Pair {
        /// 中文.
        zh: String,
        /// English.
        en: String,
    },
}

impl Text {
    /// `msg` of `catalogue`.
    pub fn new(catalogue: &'static Catalogue, msg: Msg) -> Self {
        Text::Msg { catalogue, msg }
    }
    /// Text given in both languages.
    pub fn pair(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text::Pair {
            zh: zh.into(),
            en: en.into(),
        }
    }
    /// A message still written `中文 / English` in one string (the office crate's and the PDF
    /// printer's): its two halves; one that does not split reads the same in both.
    pub fn from_both(s: &str) -> Self {
        match s.split_once(" / ") {
            Some((zh, en)) if !en.contains(" / ") => Text::pair(zh, en),
            _ => Text::same(s),
        }
    }
    /// Text that reads the same in both languages (a name, a number).
    pub fn same(s: impl Into<String>) -> Self {
        let s = s.into();
        Text::pair(s.clone(), s)
    }
    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Text::Msg { catalogue, msg } => catalogue.render(lang, msg),
            Text::Pair { zh, en } => match lang {
                Lang::Zh => zh.clone(),
                Lang::En => en.clone(),
            },
        }
    }
    /// Give argument `k` another value in English (a catalogue message; a pair is kept).
    pub fn en_arg(self, k: &'static str, v: impl Into<String>) -> Self {
        match self {
            Text::Msg { catalogue, msg } => Text::Msg {
                catalogue,
                msg: msg.en_arg(k, v),
            },
            pair => pair,
        }
    }
    /// An argument that is itself text for people, rendered in each language.
    pub fn text_arg(self, k: &'static str, t: &Text) -> Self {
        match self {
            Text::Msg { catalogue, mut msg } => {
                msg.args.push((k, t.render(Lang::Zh)));
                msg.en.push((k, t.render(Lang::En)));
                Text::Msg { catalogue, msg }
            }
            pair => pair,
        }
    }
    /// This text with `f` applied to each language's rendering (e.g. a prefix).
    pub fn map(&self, f: impl Fn(Lang, String) -> String) -> Text {
        Text::pair(
            f(Lang::Zh, self.render(Lang::Zh)),
            f(Lang::En, self.render(Lang::En)),
        )
    }
}

impl PartialEq for Text {
    fn eq(&self, o: &Self) -> bool {
        self.render(Lang::Zh) == o.render(Lang::Zh) && self.render(Lang::En) == o.render(Lang::En)
    }
}
impl Eq for Text {}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Text::Msg { msg, .. } => write!(f, "{msg:?}"),
            Text::Pair { zh, en } => write!(f, "{zh:?} / {en:?}"),
        }
    }
}

/// Both languages, `中文 / English` (the command line and logs); one when they agree.
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (zh, en) = (self.render(Lang::Zh), self.render(Lang::En));
        if zh == en {
            f.write_str(&zh)
        } else {
            write!(f, "{zh} / {en}")
        }
    }
}

impl Msg {
    /// Give argument `k` another value in English (a name's English form).
    pub fn en_arg(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.en.push((k, v.into()));
        self
    }

    /// Render in `lang` from the core catalogue; a missing key renders as the key itself (and
    /// a test fails on it).
    pub fn render(&self, lang: Lang) -> String {
        CORE.render(lang, self)
    }

    /// As [`Text`] of the core catalogue.
    pub fn text(self) -> Text {
        Text::new(&CORE, self)
    }
}
