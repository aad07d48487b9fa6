//! The formula language: exact decimals, no loops, no I/O, errors that point at the character.
//!
//! ```text
//! total = 业绩 × 80% + 行为 × 20%
//! bonus = if(total < 60, 0, if(total >= 90, base, base * total / 100))
//! ```
//!
//! Grammar (lowest precedence first): `or`, `and`, `not`, comparisons
//! (`< <= > >= == !=`, also `≤ ≥ ≠`), `+ -`, `* / × ÷`, unary `-`, postfix `%` on a number
//! (`80%` is `0.8`). Functions: `if(c, a, b)`, `min(a, …)`, `max(a, …)`, `abs(x)`,
//! `round(x, n)` (half-up), `floor(x)`, `ceil(x)`, `clamp(x, lo, hi)`.
//! Identifiers may be Chinese and may contain `.` (`pass_rate.prev`).
//! A comparison is 1 when true and 0 when false; `if` takes any non-zero value as true.

use crate::num;
pub use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;
use std::fmt;
use std::str::FromStr;

/// Longest formula accepted, in characters: keeps parsing and evaluation bounded.
pub const MAX_LEN: usize = 4000;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 48;
/// Tallest syntax tree accepted. Nesting is bounded by [`MAX_DEPTH`], but a long chain
/// such as `a + b + c + …` parses in a loop into a tree as tall as it is long, and every
/// later walk (resolving, evaluating, the checker's interval analysis, explaining)
/// recurses once per level. 64 levels is a sum of 64 terms; the bundled forms need 6.
pub const MAX_HEIGHT: usize = 64;

/// A byte range inside the formula text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A parse or resolve error, pointing at a place in the formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// Where in the formula text.
    pub span: Span,
    /// What went wrong.
    pub kind: FormulaErrorKind,
}

/// The kinds of formula errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormulaErrorKind {
    /// A character that cannot start any token.
    UnexpectedChar(char),
    /// A token where something else was needed.
    Expected {
        expected: &'static str,
        found: String,
    },
    /// The formula ended early.
    UnexpectedEnd { expected: &'static str },
    /// A number that does not fit.
    BadNumber(String),
    /// An unknown function name.
    UnknownFunction(String),
    /// A function called with the wrong number of arguments.
    Arity {
        func: &'static str,
        expected: &'static str,
        found: usize,
    },
    /// A name that refers to nothing in the template.
    UnknownName(String),
    /// Too long or too deeply nested.
    TooComplex,
    /// `round`'s places must be a whole number from 0 to 10.
    BadPlaces,
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FormulaErrorKind::UnexpectedChar(c) => write!(f, "unexpected character `{c}`"),
            FormulaErrorKind::Expected { expected, found } => {
                write!(f, "expected {expected}, found `{found}`")
            }
            FormulaErrorKind::UnexpectedEnd { expected } => {
                write!(f, "formula ends early: expected {expected}")
            }
            FormulaErrorKind::BadNumber(s) => write!(f, "`{s}` is not a valid number"),
            FormulaErrorKind::UnknownFunction(s) => write!(f, "unknown function `{s}`"),
            FormulaErrorKind::Arity {
                func,
                expected,
                found,
            } => write!(f, "`{func}` takes {expected} argument(s), found {found}"),
            FormulaErrorKind::UnknownName(s) => write!(f, "unknown name `{s}`"),
            FormulaErrorKind::TooComplex => write!(
                f,
                "formula too long or too deeply nested (at most {MAX_LEN} characters, \
                 {MAX_DEPTH} levels of nesting and {MAX_HEIGHT} operations in a chain)"
            ),
            FormulaErrorKind::BadPlaces => {
                write!(
                    f,
                    "the places of `round` must be a whole number from 0 to 10"
                )
            }
        }
    }
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "−",
            BinOp::Mul => "×",
            BinOp::Div => "÷",
            BinOp::Lt => "<",
            BinOp::Le => "≤",
            BinOp::Gt => ">",
            BinOp::Ge => "≥",
            BinOp::Eq => "=",
            BinOp::Ne => "≠",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
    fn prec(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
        }
    }
}

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    If,
    Min,
    Max,
    Abs,
    Round,
    Floor,
    Ceil,
    Clamp,
}

impl Func {
    fn from_name(s: &str) -> Option<Func> {
        Some(match s {
            "if" | "如果" => Func::If,
            "min" | "最小" => Func::Min,
            "max" | "最大" => Func::Max,
            "abs" => Func::Abs,
            "round" | "四舍五入" => Func::Round,
            "floor" => Func::Floor,
            "ceil" => Func::Ceil,
            "clamp" => Func::Clamp,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Func::If => "if",
            Func::Min => "min",
            Func::Max => "max",
            Func::Abs => "abs",
            Func::Round => "round",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Clamp => "clamp",
        }
    }
    fn check_arity(self, n: usize) -> Result<(), (&'static str, &'static str)> {
        let ok = match self {
            Func::If | Func::Clamp => n == 3,
            Func::Min | Func::Max => n >= 1,
            Func::Abs | Func::Floor | Func::Ceil => n == 1,
            Func::Round => n == 1 || n == 2,
        };
        if ok {
            Ok(())
        } else {
            let expected = match self {
                Func::If | Func::Clamp => "3",
                Func::Min | Func::Max => "1 or more",
                Func::Abs | Func::Floor | Func::Ceil => "1",
                Func::Round => "1 or 2",
            };
            Err((self.name(), expected))
        }
    }
}

/// A parsed formula, before names are resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A literal.
    Num(Decimal),
    /// A name: input, parameter, metric, item, section, `total`.
    Var(String, Span),
    /// Unary minus.
    Neg(Box<Node>),
    /// `not x`.
    Not(Box<Node>),
    /// A binary operation.
    Bin(BinOp, Box<Node>, Box<Node>),
    /// A function call.
    Call(Func, Vec<Node>),
}

impl Node {
    /// Every name the formula mentions, with where it stands.
    pub fn names(&self) -> Vec<(&str, Span)> {
        let mut out = Vec::new();
        self.walk_names(&mut out);
        out
    }
    fn walk_names<'a>(&'a self, out: &mut Vec<(&'a str, Span)>) {
        match self {
            Node::Num(_) => {}
            Node::Var(n, s) => out.push((n, *s)),
            Node::Neg(a) | Node::Not(a) => a.walk_names(out),
            Node::Bin(_, a, b) => {
                a.walk_names(out);
                b.walk_names(out);
            }
            Node::Call(_, args) => args.iter().for_each(|a| a.walk_names(out)),
        }
    }

    /// The formula written back with each name replaced by what `value` gives for it,
    /// e.g. `87 ÷ 100 × 100`: the arithmetic of an explanation.
    pub fn render_with(&self, value: &dyn Fn(&str) -> Option<Decimal>) -> String {
        self.render_map(&|n| {
            value(n).map(|v| {
                if v.is_sign_negative() {
                    format!("({})", crate::num::fmt_short(v))
                } else {
                    crate::num::fmt_short(v)
                }
            })
        })
    }

    /// The formula written back with each name replaced by what `map` gives (e.g. its display name).
    pub fn render_map(&self, map: &dyn Fn(&str) -> Option<String>) -> String {
        let mut s = String::new();
        self.render(&mut s, 0, map);
        s
    }

    fn render(&self, s: &mut String, parent_prec: u8, value: &dyn Fn(&str) -> Option<String>) {
        match self {
            Node::Num(d) => s.push_str(&crate::num::fmt(*d)),
            Node::Var(n, _) => match value(n) {
                Some(v) => s.push_str(&v),
                None => s.push_str(n),
            },
            Node::Neg(a) => {
                s.push('-');
                a.render(s, 7, value);
            }
            Node::Not(a) => {
                s.push_str("not ");
                a.render(s, 3, value);
            }
            Node::Bin(op, a, b) => {
                let p = op.prec();
                if p < parent_prec {
                    s.push('(');
                }
                a.render(s, p, value);
                s.push(' ');
                s.push_str(op.symbol());
                s.push(' ');
                b.render(s, p + 1, value);
                if p < parent_prec {
                    s.push(')');
                }
            }
            Node::Call(f, args) => {
                s.push_str(f.name());
                s.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    a.render(s, 0, value);
                }
                s.push(')');
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Decimal),
    Percent,
    Ident(String),
    Op(BinOp),
    Minus,
    Not,
    LParen,
    RParen,
    Comma,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(d) => d.to_string(),
        Tok::Percent => "%".into(),
        Tok::Ident(s) => s.clone(),
        Tok::Op(o) => o.symbol().into(),
        Tok::Minus => "-".into(),
        Tok::Not => "not".into(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}
fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

fn lex(src: &str) -> Result<Vec<(Tok, Span)>, FormulaError> {
    let mut out = Vec::new();
    let mut it = src.char_indices().peekable();
    while let Some(&(i, c)) = it.peek() {
        let one = |len: usize| Span {
            start: i,
            end: i + len,
        };
        if c.is_whitespace() {
            it.next();
            continue;
        }
        if c.is_ascii_digit() || c == '.' {
            let mut end = i;
            while let Some(&(j, d)) = it.peek() {
                if d.is_ascii_digit() || d == '.' {
                    end = j + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            let text = &src[i..end];
            let span = Span { start: i, end };
            let n = Decimal::from_str(text).map_err(|_| FormulaError {
                span,
                kind: FormulaErrorKind::BadNumber(text.into()),
            })?;
            if text.matches('.').count() > 1 || text == "." {
                return Err(FormulaError {
                    span,
                    kind: FormulaErrorKind::BadNumber(text.into()),
                });
            }
            out.push((Tok::Num(n), span));
            continue;
        }
        if is_ident_start(c) {
            let mut end = i;
            while let Some(&(j, d)) = it.peek() {
                if is_ident_char(d) {
                    end = j + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            let text = &src[i..end];
            let span = Span { start: i, end };
            let tok = match text {
                "and" | "且" => Tok::Op(BinOp::And),
                "or" | "或" => Tok::Op(BinOp::Or),
                "not" | "非" => Tok::Not,
                _ => Tok::Ident(text.to_string()),
            };
            out.push((tok, span));
            continue;
        }
        it.next();
        let (tok, len) = match c {
            '+' | '＋' => (Tok::Op(BinOp::Add), c.len_utf8()),
            '-' | '−' | '－' => (Tok::Minus, c.len_utf8()),
            '*' | '×' | '＊' => (Tok::Op(BinOp::Mul), c.len_utf8()),
            '/' | '÷' | '／' => (Tok::Op(BinOp::Div), c.len_utf8()),
            '%' | '％' => (Tok::Percent, c.len_utf8()),
            '(' | '（' => (Tok::LParen, c.len_utf8()),
            ')' | '）' => (Tok::RParen, c.len_utf8()),
            ',' | '，' => (Tok::Comma, c.len_utf8()),
            '≤' => (Tok::Op(BinOp::Le), c.len_utf8()),
            '≥' => (Tok::Op(BinOp::Ge), c.len_utf8()),
            '≠' => (Tok::Op(BinOp::Ne), c.len_utf8()),
            '<' | '>' | '=' | '!' => {
                let next_eq = matches!(it.peek(), Some(&(_, '=')));
                if next_eq {
                    it.next();
                }
                let op = match (c, next_eq) {
                    ('<', false) => BinOp::Lt,
                    ('<', true) => BinOp::Le,
                    ('>', false) => BinOp::Gt,
                    ('>', true) => BinOp::Ge,
                    ('=', true) => BinOp::Eq,
                    ('!', true) => BinOp::Ne,
                    _ => {
                        return Err(FormulaError {
                            span: one(1),
                            kind: FormulaErrorKind::UnexpectedChar(c),
                        });
                    }
                };
                (Tok::Op(op), if next_eq { 2 } else { 1 })
            }
            _ => {
                return Err(FormulaError {
                    span: one(c.len_utf8()),
                    kind: FormulaErrorKind::UnexpectedChar(c),
                });
            }
        };
        out.push((tok, one(len)));
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn span(&self) -> Span {
        self.toks.get(self.pos).map(|t| t.1).unwrap_or(Span {
            start: self.end,
            end: self.end,
        })
    }
    fn err_expected(&self, expected: &'static str) -> FormulaError {
        match self.toks.get(self.pos) {
            Some((t, s)) => FormulaError {
                span: *s,
                kind: FormulaErrorKind::Expected {
                    expected,
                    found: describe(t),
                },
            },
            None => FormulaError {
                span: self.span(),
                kind: FormulaErrorKind::UnexpectedEnd { expected },
            },
        }
    }

    /// An expression and the height of its tree, refused past [`MAX_HEIGHT`] as it grows
    /// (so no tree taller than that is ever built, walked or dropped).
    fn expr(&mut self, min_prec: u8) -> Result<(Node, usize), FormulaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FormulaError {
                span: self.span(),
                kind: FormulaErrorKind::TooComplex,
            });
        }
        let (mut lhs, mut h) = self.prefix()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(op)) => *op,
                Some(Tok::Minus) => BinOp::Sub,
                _ => break,
            };
            let p = op.prec();
            if p < min_prec {
                break;
            }
            self.pos += 1;
            let (rhs, rh) = self.expr(p + 1)?;
            h = self.taller(h.max(rh))?;
            lhs = Node::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        self.depth -= 1;
        Ok((lhs, h))
    }

    /// `h + 1`, the height of a node over a subtree of height `h`, if within [`MAX_HEIGHT`].
    fn taller(&self, h: usize) -> Result<usize, FormulaError> {
        if h >= MAX_HEIGHT {
            return Err(FormulaError {
                span: self.span(),
                kind: FormulaErrorKind::TooComplex,
            });
        }
        Ok(h + 1)
    }

    fn prefix(&mut self) -> Result<(Node, usize), FormulaError> {
        let span = self.span();
        let Some((tok, _)) = self.toks.get(self.pos).cloned() else {
            return Err(self.err_expected("a number, a name or `(`"));
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => {
                if self.peek() == Some(&Tok::Percent) {
                    self.pos += 1;
                    Ok((Node::Num(n / Decimal::ONE_HUNDRED), 1))
                } else {
                    Ok((Node::Num(n), 1))
                }
            }
            Tok::Minus => {
                let (a, h) = self.expr(7)?;
                Ok((Node::Neg(Box::new(a)), self.taller(h)?))
            }
            Tok::Not => {
                let (a, h) = self.expr(3)?;
                Ok((Node::Not(Box::new(a)), self.taller(h)?))
            }
            Tok::LParen => {
                let e = self.expr(0)?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.err_expected("`)`"));
                }
                self.pos += 1;
                Ok(e)
            }
            Tok::Ident(name) => {
                if self.peek() != Some(&Tok::LParen) {
                    return Ok((Node::Var(name, span), 1));
                }
                self.call(name, span)
            }
            _ => {
                self.pos -= 1;
                Err(self.err_expected("a number, a name or `(`"))
            }
        }
    }

    /// A function call, from its `(`. Kept out of [`Self::prefix`], which recurses through
    /// every level of nesting, so that its frame stays small.
    #[inline(never)]
    fn call(&mut self, name: String, span: Span) -> Result<(Node, usize), FormulaError> {
        let Some(func) = Func::from_name(&name) else {
            return Err(FormulaError {
                span,
                kind: FormulaErrorKind::UnknownFunction(name),
            });
        };
        self.pos += 1;
        let mut args = Vec::new();
        let mut h = 0;
        if self.peek() == Some(&Tok::RParen) {
            self.pos += 1;
        } else {
            loop {
                let (a, ah) = self.expr(0)?;
                h = h.max(ah);
                args.push(a);
                match self.peek() {
                    Some(Tok::Comma) => self.pos += 1,
                    Some(Tok::RParen) => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.err_expected("`,` or `)`")),
                }
            }
        }
        if let Err((f, expected)) = func.check_arity(args.len()) {
            return Err(FormulaError {
                span,
                kind: FormulaErrorKind::Arity {
                    func: f,
                    expected,
                    found: args.len(),
                },
            });
        }
        if func == Func::Round && args.len() == 2 {
            match &args[1] {
                Node::Num(n)
                    if n.fract().is_zero() && *n >= Decimal::ZERO && *n <= Decimal::TEN => {}
                _ => {
                    return Err(FormulaError {
                        span,
                        kind: FormulaErrorKind::BadPlaces,
                    });
                }
            }
        }
        Ok((Node::Call(func, args), self.taller(h)?))
    }
}

/// Parse formula text.
pub fn parse(src: &str) -> Result<Node, FormulaError> {
    if src.chars().count() > MAX_LEN {
        return Err(FormulaError {
            span: Span {
                start: 0,
                end: src.len(),
            },
            kind: FormulaErrorKind::TooComplex,
        });
    }
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: src.len(),
        depth: 0,
    };
    let (node, _) = p.expr(0)?;
    if p.pos < p.toks.len() {
        return Err(p.err_expected("an operator or the end of the formula"));
    }
    Ok(node)
}

/// A formula with names resolved to slots of an evaluation frame.
#[derive(Debug, Clone)]
pub enum Expr {
    /// A literal.
    Const(Decimal),
    /// A value in the frame.
    Slot(u32),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// `x / 10^k`: exact and cheap, no division needed.
    Shift(Box<Expr>, u32),
    /// `x × 10^k` with `10^k` an integer (k ≤ 9): no general multiplication needed.
    Scale(Box<Expr>, u32),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Min(Vec<Expr>),
    Max(Vec<Expr>),
    Abs(Box<Expr>),
    Round(Box<Expr>, u32),
    Floor(Box<Expr>),
    Ceil(Box<Expr>),
    Clamp(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// Arithmetic that could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalError {
    /// Division by zero.
    DivByZero,
    /// A result too large for 28 significant digits.
    Overflow,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::DivByZero => write!(f, "division by zero"),
            EvalError::Overflow => write!(f, "number too large"),
        }
    }
}

fn pow10_exponent(d: Decimal) -> Option<u32> {
    if d.is_sign_negative() || !d.fract().is_zero() {
        return None;
    }
    let m = d.normalize();
    let s = m.to_string();
    let rest = s.strip_prefix('1')?;
    if rest.bytes().all(|b| b == b'0') && rest.len() <= 20 {
        Some(rest.len() as u32)
    } else {
        None
    }
}

/// `k` when `d` is the integer 10^k written without decimals (scale 0), k ≤ 9.
fn int_pow10(d: Decimal) -> Option<u32> {
    if d.scale() != 0 || d.is_sign_negative() {
        return None;
    }
    (0..=9).find(|&k| d.mantissa() == 10i128.pow(k))
}

/// Resolve names to slots; `resolve` returns `None` for a name that does not exist.
pub fn compile(
    node: &Node,
    resolve: &mut dyn FnMut(&str) -> Option<u32>,
) -> Result<Expr, FormulaError> {
    Ok(match node {
        Node::Num(d) => Expr::Const(*d),
        Node::Var(n, span) => Expr::Slot(resolve(n).ok_or_else(|| FormulaError {
            span: *span,
            kind: FormulaErrorKind::UnknownName(n.clone()),
        })?),
        Node::Neg(a) => match compile(a, resolve)? {
            Expr::Const(d) => Expr::Const(-d),
            e => Expr::Neg(Box::new(e)),
        },
        Node::Not(a) => Expr::Not(Box::new(compile(a, resolve)?)),
        Node::Bin(op, a, b) => {
            let a = compile(a, resolve)?;
            let b = compile(b, resolve)?;
            match (op, &a, &b) {
                (BinOp::Div, _, Expr::Const(d)) if pow10_exponent(*d).is_some() => {
                    Expr::Shift(Box::new(a), pow10_exponent(*d).unwrap_or(0))
                }
                (BinOp::Mul, _, Expr::Const(d)) if int_pow10(*d).is_some() => {
                    Expr::Scale(Box::new(a), int_pow10(*d).unwrap_or(0))
                }
                _ => Expr::Bin(*op, Box::new(a), Box::new(b)),
            }
        }
        Node::Call(f, args) => {
            let c = args
                .iter()
                .map(|a| compile(a, resolve))
                .collect::<Result<Vec<_>, _>>()?;
            match f {
                Func::Min => Expr::Min(c),
                Func::Max => Expr::Max(c),
                _ => {
                    let mut it = c.into_iter().map(Box::new);
                    let mut next = || {
                        it.next()
                            .unwrap_or_else(|| Box::new(Expr::Const(Decimal::ZERO)))
                    };
                    match f {
                        Func::If => Expr::If(next(), next(), next()),
                        Func::Abs => Expr::Abs(next()),
                        Func::Round => {
                            let dp = match args.get(1) {
                                Some(Node::Num(n)) => {
                                    u32::try_from(n.normalize().mantissa()).unwrap_or(0)
                                }
                                _ => 0,
                            };
                            Expr::Round(next(), dp)
                        }
                        Func::Floor => Expr::Floor(next()),
                        Func::Ceil => Expr::Ceil(next()),
                        Func::Clamp => Expr::Clamp(next(), next(), next()),
                        Func::Min | Func::Max => unreachable!("handled above"),
                    }
                }
            }
        }
    })
}

#[inline]
fn truth(d: Decimal) -> bool {
    !d.is_zero()
}
#[inline]
fn bool_dec(b: bool) -> Decimal {
    if b { Decimal::ONE } else { Decimal::ZERO }
}

impl Expr {
    /// Evaluate over a frame of values.
    pub fn eval(&self, frame: &[Decimal]) -> Result<Decimal, EvalError> {
        let mut err = None;
        let v = self.ev_leaf(frame, &mut err);
        match err {
            None => Ok(v),
            Some(e) => Err(e),
        }
    }

    /// [`Self::ev`], with constants and frame values (most operands) read in place
    /// rather than through a call. (Inlined only when optimised: unoptimised, every
    /// inlined copy would add its own slots to `ev`'s frame, some kilobytes per level.)
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn ev_leaf(&self, frame: &[Decimal], err: &mut Option<EvalError>) -> Decimal {
        match self {
            Expr::Const(d) => *d,
            Expr::Slot(i) => frame[*i as usize],
            _ => self.ev(frame, err),
        }
    }

    /// Evaluate, reporting the first error through `err` (the value is then meaningless).
    /// Returning a bare `Decimal` keeps it in registers: the hot path of every scorecard.
    pub fn ev(&self, frame: &[Decimal], err: &mut Option<EvalError>) -> Decimal {
        #[cold]
        fn fail(err: &mut Option<EvalError>, e: EvalError) -> Decimal {
            err.get_or_insert(e);
            Decimal::ZERO
        }
        match self {
            Expr::Const(d) => *d,
            Expr::Slot(i) => frame[*i as usize],
            Expr::Neg(a) => -a.ev_leaf(frame, err),
            Expr::Not(a) => bool_dec(!truth(a.ev_leaf(frame, err))),
            Expr::Shift(a, k) => {
                let v = a.ev_leaf(frame, err);
                let scale = v.scale() + k;
                if scale <= 28 {
                    let mut r = v;
                    match r.set_scale(scale) {
                        Ok(()) => r,
                        Err(_) => fail(err, EvalError::Overflow),
                    }
                } else {
                    v.checked_div(Decimal::from_i128_with_scale(10i128.pow(*k), 0))
                        .unwrap_or_else(|| fail(err, EvalError::Overflow))
                }
            }
            Expr::Scale(a, k) => {
                let v = a.ev_leaf(frame, err);
                num::checked_mul_pow10(v, *k).unwrap_or_else(|| fail(err, EvalError::Overflow))
            }
            Expr::Bin(op, a, b) => {
                let x = a.ev_leaf(frame, err);
                match op {
                    BinOp::And => return bool_dec(truth(x) && truth(b.ev_leaf(frame, err))),
                    BinOp::Or => return bool_dec(truth(x) || truth(b.ev_leaf(frame, err))),
                    _ => {}
                }
                let y = b.ev_leaf(frame, err);
                match op {
                    BinOp::Add => {
                        num::checked_add(x, y).unwrap_or_else(|| fail(err, EvalError::Overflow))
                    }
                    BinOp::Sub => {
                        num::checked_sub(x, y).unwrap_or_else(|| fail(err, EvalError::Overflow))
                    }
                    BinOp::Mul => {
                        num::checked_mul(x, y).unwrap_or_else(|| fail(err, EvalError::Overflow))
                    }
                    BinOp::Div => {
                        if y.is_zero() {
                            return fail(err, EvalError::DivByZero);
                        }
                        x.checked_div(y)
                            .unwrap_or_else(|| fail(err, EvalError::Overflow))
                    }
                    BinOp::Lt => bool_dec(num::cmp(x, y).is_lt()),
                    BinOp::Le => bool_dec(num::cmp(x, y).is_le()),
                    BinOp::Gt => bool_dec(num::cmp(x, y).is_gt()),
                    BinOp::Ge => bool_dec(num::cmp(x, y).is_ge()),
                    BinOp::Eq => bool_dec(num::cmp(x, y).is_eq()),
                    BinOp::Ne => bool_dec(num::cmp(x, y).is_ne()),
                    BinOp::And | BinOp::Or => unreachable!("handled above"),
                }
            }
            Expr::If(c, a, b) => {
                if truth(c.ev_leaf(frame, err)) {
                    a.ev_leaf(frame, err)
                } else {
                    b.ev_leaf(frame, err)
                }
            }
            Expr::Min(args) => {
                let mut m = args[0].ev_leaf(frame, err);
                for a in &args[1..] {
                    m = num::min(m, a.ev_leaf(frame, err));
                }
                m
            }
            Expr::Max(args) => {
                let mut m = args[0].ev_leaf(frame, err);
                for a in &args[1..] {
                    m = num::max(m, a.ev_leaf(frame, err));
                }
                m
            }
            Expr::Abs(a) => a.ev_leaf(frame, err).abs(),
            Expr::Round(a, dp) => a
                .ev_leaf(frame, err)
                .round_dp_with_strategy(*dp, RoundingStrategy::MidpointAwayFromZero),
            Expr::Floor(a) => a.ev_leaf(frame, err).floor(),
            Expr::Ceil(a) => a.ev_leaf(frame, err).ceil(),
            Expr::Clamp(x, lo, hi) => {
                let (x, lo, hi) = (
                    x.ev_leaf(frame, err),
                    lo.ev_leaf(frame, err),
                    hi.ev_leaf(frame, err),
                );
                num::min(num::max(x, lo), hi)
            }
        }
    }

    /// The constant value, when the expression has no names.
    pub fn as_const(&self) -> Option<Decimal> {
        match self {
            Expr::Const(d) => Some(*d),
            _ => None,
        }
    }

    /// Every slot read.
    pub fn slots(&self, out: &mut Vec<u32>) {
        match self {
            Expr::Const(_) => {}
            Expr::Slot(i) => out.push(*i),
            Expr::Neg(a)
            | Expr::Not(a)
            | Expr::Shift(a, _)
            | Expr::Scale(a, _)
            | Expr::Abs(a)
            | Expr::Round(a, _)
            | Expr::Floor(a)
            | Expr::Ceil(a) => a.slots(out),
            Expr::Bin(_, a, b) => {
                a.slots(out);
                b.slots(out);
            }
            Expr::If(a, b, c) | Expr::Clamp(a, b, c) => {
                a.slots(out);
                b.slots(out);
                c.slots(out);
            }
            Expr::Min(v) | Expr::Max(v) => v.iter().for_each(|e| e.slots(out)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn eval_with(src: &str, vars: &[(&str, &str)]) -> Result<Decimal, EvalError> {
        let node = parse(src).unwrap();
        let frame: Vec<Decimal> = vars.iter().map(|(_, v)| d(v)).collect();
        let e = compile(&node, &mut |n| {
            vars.iter().position(|(k, _)| *k == n).map(|i| i as u32)
        })
        .unwrap();
        e.eval(&frame)
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(eval_with("1/3*3", &[]).unwrap().round_dp(20), d("1"));
        assert_ne!(eval_with("1/3", &[]).unwrap(), Decimal::ZERO);
        assert_eq!(eval_with("0.1 + 0.2", &[]).unwrap(), d("0.3"));
        assert_eq!(eval_with("300.30 * 75 / 100", &[]).unwrap(), d("225.225"));
        assert_eq!(
            eval_with("round(300.30 * 75 / 100, 2)", &[]).unwrap(),
            d("225.23")
        );
    }

    #[test]
    fn sheet_notation_reads_as_written() {
        let vars = [("业绩", "90"), ("行为", "80")];
        assert_eq!(
            eval_with("业绩 × 80% + 行为 × 20%", &vars).unwrap(),
            d("88")
        );
        assert_eq!(eval_with("业绩×80%＋行为×20%", &vars).unwrap(), d("88"));
    }

    #[test]
    fn precedence_and_functions() {
        assert_eq!(eval_with("2 + 3 * 4", &[]).unwrap(), d("14"));
        assert_eq!(eval_with("-2 * -3", &[]).unwrap(), d("6"));
        assert_eq!(eval_with("10 - 4 - 3", &[]).unwrap(), d("3"));
        assert_eq!(eval_with("100 / 10 / 5", &[]).unwrap(), d("2"));
        assert_eq!(
            eval_with("if(1 < 2 and 3 >= 3, 5, 6)", &[]).unwrap(),
            d("5")
        );
        assert_eq!(eval_with("if(not 1, 5, 6)", &[]).unwrap(), d("6"));
        assert_eq!(eval_with("min(3, 1, 2) + max(3, 9)", &[]).unwrap(), d("10"));
        assert_eq!(eval_with("clamp(130, 0, 120)", &[]).unwrap(), d("120"));
        assert_eq!(
            eval_with("floor(2.6) + ceil(2.1) + abs(-1)", &[]).unwrap(),
            d("6")
        );
        assert_eq!(eval_with("round(2.5)", &[]).unwrap(), d("3"));
        assert_eq!(eval_with("x.prev ≥ 3", &[("x.prev", "3")]).unwrap(), d("1"));
    }

    #[test]
    fn division_by_zero_is_an_error_not_a_panic() {
        assert_eq!(eval_with("1 / (2 - 2)", &[]), Err(EvalError::DivByZero));
        assert_eq!(
            eval_with("79228162514264337593543950335 * 10", &[]),
            Err(EvalError::Overflow)
        );
    }

    #[test]
    fn errors_point_at_the_character() {
        let e = parse("a + * b").unwrap_err();
        assert_eq!(e.span.start, 4);
        let e = parse("a + $").unwrap_err();
        assert_eq!(e.kind, FormulaErrorKind::UnexpectedChar('$'));
        assert_eq!(e.span.start, 4);
        let e = parse("(a + b").unwrap_err();
        assert!(matches!(e.kind, FormulaErrorKind::UnexpectedEnd { .. }));
        let e = parse("sqrt(4)").unwrap_err();
        assert_eq!(e.kind, FormulaErrorKind::UnknownFunction("sqrt".into()));
        let e = parse("if(1, 2)").unwrap_err();
        assert!(matches!(e.kind, FormulaErrorKind::Arity { .. }));
        let e = parse("a b").unwrap_err();
        assert_eq!(e.span.start, 2);
        let deep = "(".repeat(200) + "1" + &")".repeat(200);
        assert_eq!(parse(&deep).unwrap_err().kind, FormulaErrorKind::TooComplex);
    }

    #[test]
    fn renders_the_arithmetic() {
        let n = parse("actual / target * 100").unwrap();
        let s = n.render_with(&|name| match name {
            "actual" => Some(d("87")),
            "target" => Some(d("100")),
            _ => None,
        });
        assert_eq!(s, "87 ÷ 100 × 100");
        let n = parse("(a + b) * 2").unwrap();
        assert_eq!(n.render_with(&|_| None), "(a + b) × 2");
    }
}
