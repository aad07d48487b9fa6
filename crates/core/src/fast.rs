//! The fast lane: a scorecard computed on exact integers instead of `Decimal`.
//!
//! The interpreter in [`crate::engine`] works on `rust_decimal::Decimal`, whose every
//! operation (and above all division) costs tens of nanoseconds. Here the same rules and
//! formulas run on 128-bit integers: a number is `n / 10^s` (exact, like a decimal) or,
//! after a division that does not terminate (`87 / 3`), the exact fraction `n / d`.
//!
//! The lane must give **exactly** what the interpreter gives, to the last digit, or not
//! answer at all. So it answers only where that is provable and *bails* otherwise; the
//! interpreter then scores the row (and reports the row's error, if it has one):
//!
//! - Terminating results are exact on both sides: `Decimal` keeps 28 digits, and the lane
//!   bails before a number needs more (scale > 28 or more than 27 digits).
//! - A non-terminating quotient `q` is rounded by `Decimal` to 28 digits (relative error
//!   below 10⁻²⁷) and kept exact here. Where that can matter — a comparison with a
//!   decimal `b` of scale `k`, a floor, a half-up rounding to `k` places — the exact `q`
//!   is never *on* the boundary (boundaries terminate) and lies at least `1/(d·10^k)` from
//!   it, while the interpreter's error is below `|n|/d · 10⁻²⁷`. With `|n| < 10^(26−k)`
//!   (checked each time, else bail) both sides land on the same side of every boundary.
//! - Arithmetic on a non-terminating value is allowed only where the result provably
//!   stays non-terminating (`q ± b`, `q ÷ b`, `q × 10^k`); `q × b` is checked, and if the
//!   exact product terminates (`(1/3) × 3`), the lane bails, because the interpreter's
//!   `0.999…` could then round differently from the exact `1`.
//!
//! What the lane does not take at all: items with several raters, and rows with 不适用
//! (peer averages, dropped items). `tests` compares the two paths over every bundled form
//! and over random inputs.
//!
//! Status: on by default for [`crate::engine::Engine::score_outputs`] (CSV scoring, batches); the
//! interpreter stays the reference and writes every explanation. On F01 the lane scores
//! about 6 M scorecards/s on one core against the interpreter's 3.5 M (`kaohe bench engine`).

use crate::engine::{Frame, Val};
use crate::formula::{BinOp, Expr};
use crate::model::*;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// Not answered here: the interpreter scores the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;
type R<T> = Result<T, Bail>;

/// 10^0 … 10^18.
const P10: [i64; 19] = {
    let mut t = [1i64; 19];
    let mut k = 1;
    while k < 19 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// A number: `n / 10^s` when `s ≥ 0`; when `s < 0`, the non-terminating fraction `n / d`.
/// 64-bit parts (products are taken in 128 bits and must fit back): an amount beyond
/// 9.2 × 10^18 in its last digit is the interpreter's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct V {
    n: i64,
    /// `10^s` for a decimal; the denominator (> 0) of a fraction.
    d: i64,
    /// For a fraction: a bound on the magnitudes that went into `n` (`|n|` for a fresh
    /// quotient; more after a cancelling sum). The interpreter's rounding error is below
    /// `m / d · 10⁻²⁷`, and the checks below use `m`, not `n`.
    m: i64,
    /// The scale of a decimal; [`Q`] for a fraction. (A full word: with a byte and its
    /// padding, copies of `V` were stitched from odd-sized pieces and stalled the loads.)
    s: i64,
}

const Q: i64 = -1;

/// `a × b`, if it fits. Never `i64::MIN`: every `n` and `m` then has a magnitude that
/// fits, so negating one (`neg`, `abs`, a negative divisor) cannot overflow.
#[cfg_attr(not(debug_assertions), inline(always))]
fn mul64(a: i64, b: i64) -> R<i64> {
    match a.checked_mul(b) {
        Some(x) if x != i64::MIN => Ok(x),
        _ => Err(Bail),
    }
}

/// `a + b`, if it fits; never `i64::MIN` (see [`mul64`]).
#[cfg_attr(not(debug_assertions), inline(always))]
fn add64(a: i64, b: i64) -> R<i64> {
    match a.checked_add(b) {
        Some(x) if x != i64::MIN => Ok(x),
        _ => Err(Bail),
    }
}

impl V {
    pub(crate) const ZERO: V = V {
        n: 0,
        d: 1,
        m: 0,
        s: 0,
    };
    const ONE: V = V {
        n: 1,
        d: 1,
        m: 1,
        s: 0,
    };

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn dec(x: Decimal) -> R<V> {
        let u = x.unpack();
        let s = u.scale;
        if (u.hi | (u.mid >> 31)) != 0 || s > 18 {
            return Err(Bail);
        }
        let mag = (i64::from(u.mid) << 32) | i64::from(u.lo);
        let n = if u.negative { -mag } else { mag };
        Ok(V {
            n,
            d: P10[s as usize],
            m: n,
            s: i64::from(s),
        })
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn plain(n: i64, s: u32) -> R<V> {
        if s > 18 {
            return Err(Bail);
        }
        Ok(V {
            n,
            d: P10[s as usize],
            m: n,
            s: i64::from(s),
        })
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn int(n: i64) -> V {
        V {
            n,
            d: 1,
            m: n,
            s: 0,
        }
    }

    /// A fraction `n / d` (d > 0) known not to terminate, with magnitude bound `m`.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn frac(n: i64, d: i64, m: i64) -> V {
        V { n, d, m, s: Q }
    }

    /// The same fraction, when `n / d` does not terminate; else the lane bails (see the
    /// module's notes: the interpreter may hold a rounded `0.999…` for an exact `1`).
    #[inline]
    fn frac_checked(n: i64, d: i64, m: i64) -> R<V> {
        match classify(n, d)? {
            v if v.is_q() => Ok(V::frac(n, d, m)),
            _ => Err(Bail),
        }
    }

    /// A fresh fraction: no cancellation went into it.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn fresh(self) -> bool {
        self.m.unsigned_abs() <= self.n.unsigned_abs()
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn bool(b: bool) -> V {
        if b { V::ONE } else { V::ZERO }
    }

    /// This number if `keep`, else 0, without a branch.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn or_zero(self, keep: bool) -> V {
        let k = -i64::from(keep);
        V {
            n: self.n & k,
            d: (self.d & k) | (1 & !k),
            m: self.m & k,
            s: self.s & k,
        }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn is_q(self) -> bool {
        self.s < 0
    }

    /// The same number as a `Decimal` (a fraction has none that is exact).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn to_dec(self) -> R<Decimal> {
        if self.is_q() {
            return Err(Bail);
        }
        Ok(Decimal::new(self.n, self.s as u32))
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn truth(self) -> bool {
        // A fraction never terminates, so is never 0.
        self.n != 0
    }

    /// A fraction is safe to compare with (or round at) `k` decimal places: see the
    /// module's notes. (`m` < 2^63 < 10^19, so up to `k = 7` always.)
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn safe_at(self, k: u32) -> R<()> {
        if k <= 7 || (k <= 25 && u128::from(self.m.unsigned_abs()) < 10u128.pow(26 - k)) {
            Ok(())
        } else {
            Err(Bail)
        }
    }
}

/// Two decimals' mantissas at their common scale.
#[cfg_attr(not(debug_assertions), inline(always))]
fn align(a: V, b: V) -> R<(i64, i64, u32)> {
    let (sa, sb) = (a.s as u32, b.s as u32);
    match sa.cmp(&sb) {
        Ordering::Equal => Ok((a.n, b.n, sa)),
        Ordering::Less => Ok((mul64(a.n, P10[(sb - sa) as usize])?, b.n, sb)),
        Ordering::Greater => Ok((a.n, mul64(b.n, P10[(sa - sb) as usize])?, sa)),
    }
}

/// `a + b` with `a` a fraction: `(an·bd + bn·ad) / (ad·bd)`, its magnitude bound the sum
/// of both sides' magnitudes.
#[cfg_attr(not(debug_assertions), inline(always))]
fn add_q(a: V, b: V) -> R<(i64, i64, i64)> {
    let n = add64(mul64(a.n, b.d)?, mul64(b.n, a.d)?)?;
    let m = add64(mul64(a.m.abs(), b.d)?, mul64(b.m.abs(), a.d)?)?;
    Ok((n, mul64(a.d, b.d)?, m))
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn add(a: V, b: V) -> R<V> {
    match (a.is_q(), b.is_q()) {
        (false, false) => {
            let (x, y, s) = align(a, b)?;
            V::plain(add64(x, y)?, s)
        }
        // A fraction plus a decimal never terminates.
        (true, false) => add_q(a, b).map(|(n, d, m)| V::frac(n, d, m)),
        (false, true) => add_q(b, a).map(|(n, d, m)| V::frac(n, d, m)),
        // Two fractions can add up to a decimal (1/3 + 2/3).
        (true, true) => add_q(a, b).and_then(|(n, d, m)| V::frac_checked(n, d, m)),
    }
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn neg(a: V) -> V {
    V { n: -a.n, ..a }
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn sub(a: V, b: V) -> R<V> {
    add(a, neg(b))
}

/// `n / d` (d > 0) as a decimal when it terminates, else as a fraction.
#[cfg_attr(not(debug_assertions), inline(always))]
fn classify(n: i64, d: i64) -> R<V> {
    let twos = d.trailing_zeros();
    let mut r = d >> twos;
    let mut fives = 0u32;
    while r % 5 == 0 {
        r /= 5;
        fives += 1;
    }
    if r != 1 && n % r != 0 {
        return Ok(V::frac(n, d, n));
    }
    // n / d = m / (2^twos · 5^fives) = m · 2^(k−twos) · 5^(k−fives) / 10^k.
    let k = twos.max(fives);
    if k > 18 {
        return Err(Bail);
    }
    let m = n / r;
    let f = mul64(
        2i64.checked_pow(k - twos).ok_or(Bail)?,
        5i64.checked_pow(k - fives).ok_or(Bail)?,
    )?;
    V::plain(mul64(m, f)?, k)
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn mul(a: V, b: V) -> R<V> {
    match (a.is_q(), b.is_q()) {
        (false, false) => V::plain(mul64(a.n, b.n)?, a.s as u32 + b.s as u32),
        (true, false) => mul_q(a, b),
        (false, true) => mul_q(b, a),
        (true, true) => V::frac_checked(
            mul64(a.n, b.n)?,
            mul64(a.d, b.d)?,
            mul64(a.m.abs(), b.m.abs())?,
        ),
    }
}

/// `q × b`: a fraction unless the exact product terminates, where the lane bails.
#[cfg_attr(not(debug_assertions), inline(always))]
fn mul_q(q: V, b: V) -> R<V> {
    if b.n == 0 {
        return Ok(V::ZERO);
    }
    V::frac_checked(
        mul64(q.n, b.n)?,
        mul64(q.d, b.d)?,
        mul64(q.m.abs(), b.n.abs())?,
    )
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn div(a: V, b: V) -> R<V> {
    if b.n == 0 {
        // Division by zero is the interpreter's error to report.
        return Err(Bail);
    }
    // a / (bn / bd) = a · bd / bn, the sign carried by the numerator.
    let (bn, bd) = if b.n < 0 { (-b.n, -b.d) } else { (b.n, b.d) };
    let n = mul64(a.n, bd)?;
    let d = mul64(a.d, bn)?;
    match (a.is_q(), b.is_q()) {
        (false, false) => classify(n, d),
        // A fraction over a non-zero decimal never terminates.
        (true, false) => Ok(V::frac(n, d, mul64(a.m.abs(), bd.abs())?)),
        // Over a fraction: only a fresh one (its relative error is then tiny); the
        // result's relative error is at most about twice that.
        _ if (a.is_q() && !a.fresh()) || !b.fresh() => Err(Bail),
        _ => V::frac_checked(n, d, mul64(n, 2)?),
    }
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn cmp(a: V, b: V) -> R<Ordering> {
    match (a.is_q(), b.is_q()) {
        (false, false) => {
            // In 128 bits nothing overflows: 10^18 × 2^63 < 2^127.
            let (x, y) = if a.s == b.s {
                (i128::from(a.n), i128::from(b.n))
            } else {
                (
                    i128::from(a.n) * i128::from(b.d),
                    i128::from(b.n) * i128::from(a.d),
                )
            };
            Ok(x.cmp(&y))
        }
        (true, false) => cmp_q(a, b),
        (false, true) => cmp_q(b, a).map(Ordering::reverse),
        (true, true) => Err(Bail),
    }
}

/// A fraction against a decimal.
#[cfg_attr(not(debug_assertions), inline(always))]
fn cmp_q(q: V, b: V) -> R<Ordering> {
    q.safe_at(b.s as u32)?;
    Ok((i128::from(q.n) * i128::from(b.d)).cmp(&(i128::from(b.n) * i128::from(q.d))))
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn lt(a: V, b: V) -> R<bool> {
    Ok(cmp(a, b)? == Ordering::Less)
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn gt(a: V, b: V) -> R<bool> {
    Ok(cmp(a, b)? == Ordering::Greater)
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn min(a: V, b: V) -> R<V> {
    Ok(if cmp(b, a)? == Ordering::Less { b } else { a })
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn max(a: V, b: V) -> R<V> {
    Ok(if cmp(b, a)? == Ordering::Greater {
        b
    } else {
        a
    })
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn floor(a: V) -> R<V> {
    if a.is_q() {
        a.safe_at(0)?;
    }
    Ok(V::int(a.n.div_euclid(a.d)))
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn ceil(a: V) -> R<V> {
    floor(neg(a)).map(neg)
}

/// Half away from zero (四舍五入) to `dp` places, as [`crate::num::round_half_up`].
#[cfg_attr(not(debug_assertions), inline(always))]
fn round(a: V, dp: u32) -> R<V> {
    if !a.is_q() && a.s as u32 <= dp {
        return Ok(a);
    }
    let (x, d) = if a.is_q() {
        a.safe_at(dp)?;
        (mul64(a.n, *P10.get(dp as usize).ok_or(Bail)?)?, a.d)
    } else {
        (a.n, P10[(a.s as u32 - dp) as usize])
    };
    let (q, r) = (x / d, x % d);
    let q = if 2 * r.unsigned_abs() >= d.unsigned_abs() {
        q + x.signum()
    } else {
        q
    };
    V::plain(q, dp)
}

/// `a × 10^k`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn scale_up(a: V, k: u32) -> R<V> {
    let p = *P10.get(k as usize).ok_or(Bail)?;
    if a.is_q() {
        Ok(V {
            n: mul64(a.n, p)?,
            m: mul64(a.m, p)?,
            ..a
        })
    } else if a.s as u32 >= k {
        V::plain(a.n, a.s as u32 - k)
    } else {
        V::plain(mul64(a.n, P10[(k - a.s as u32) as usize])?, 0)
    }
}

/// `a / 10^k`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn shift(a: V, k: u32) -> R<V> {
    if a.is_q() {
        Ok(V {
            d: mul64(a.d, *P10.get(k as usize).ok_or(Bail)?)?,
            ..a
        })
    } else {
        V::plain(a.n, a.s as u32 + k)
    }
}

// ---------------------------------------------------------------------------------------
// The plan: the template with every constant already a `V`, built once per engine.

/// A formula with its constants converted.
#[derive(Debug, Clone)]
enum Fx {
    Const(V),
    Slot(u32),
    Neg(Box<Fx>),
    Not(Box<Fx>),
    Bin(BinOp, Box<Fx>, Box<Fx>),
    Shift(Box<Fx>, u32),
    Scale(Box<Fx>, u32),
    If(Box<Fx>, Box<Fx>, Box<Fx>),
    Min(Vec<Fx>),
    Max(Vec<Fx>),
    Abs(Box<Fx>),
    Round(Box<Fx>, u32),
    Floor(Box<Fx>),
    Ceil(Box<Fx>),
    Clamp(Box<Fx>, Box<Fx>, Box<Fx>),
}

impl Fx {
    fn of(e: &Expr) -> R<Fx> {
        let b = |x: &Expr| Fx::of(x).map(Box::new);
        Ok(match e {
            Expr::Const(d) => Fx::Const(V::dec(*d)?),
            Expr::Slot(i) => Fx::Slot(*i),
            Expr::Neg(a) => Fx::Neg(b(a)?),
            Expr::Not(a) => Fx::Not(b(a)?),
            Expr::Bin(op, x, y) => Fx::Bin(*op, b(x)?, b(y)?),
            Expr::Shift(a, k) => Fx::Shift(b(a)?, *k),
            Expr::Scale(a, k) => Fx::Scale(b(a)?, *k),
            Expr::If(c, x, y) => Fx::If(b(c)?, b(x)?, b(y)?),
            Expr::Min(v) => Fx::Min(v.iter().map(Fx::of).collect::<R<_>>()?),
            Expr::Max(v) => Fx::Max(v.iter().map(Fx::of).collect::<R<_>>()?),
            Expr::Abs(a) => Fx::Abs(b(a)?),
            Expr::Round(a, dp) => Fx::Round(b(a)?, *dp),
            Expr::Floor(a) => Fx::Floor(b(a)?),
            Expr::Ceil(a) => Fx::Ceil(b(a)?),
            Expr::Clamp(x, lo, hi) => Fx::Clamp(b(x)?, b(lo)?, b(hi)?),
        })
    }
}

/// A score given by a tier or a grade option.
#[derive(Debug, Clone)]
enum Spec {
    Fixed(V),
    Range(V, V),
    Formula(Fx),
}

impl Spec {
    fn of(s: &ScoreSpec) -> R<Spec> {
        Ok(match s {
            ScoreSpec::Fixed(x) => Spec::Fixed(V::dec(*x)?),
            ScoreSpec::Range(lo, hi) => Spec::Range(V::dec(*lo)?, V::dec(*hi)?),
            ScoreSpec::Formula(f) => Spec::Formula(Fx::of(&f.expr)?),
        })
    }
}

#[derive(Debug, Clone)]
enum PRule {
    Read(u32),
    Start(V),
    Adjust {
        input: u32,
        reason: u32,
    },
    Formula(Fx),
    Steps {
        measure: Fx,
        target: Fx,
        /// (per, points) below and above the target.
        below: Option<(V, V)>,
        above: Option<(V, V)>,
        zero_below: Option<Fx>,
    },
    Ratio {
        measure: Fx,
        target: Fx,
        higher: bool,
        /// The cap as a fraction (cap_pct / 100).
        cap: Option<V>,
        zero_below: Option<Fx>,
    },
    TiersBy {
        measure: Fx,
        bands: Vec<(Option<V>, Option<V>, Spec)>,
        pick: Option<u32>,
    },
    TiersPicked {
        bands: Vec<Spec>,
        pick: u32,
    },
    Levels {
        input: u32,
        levels: Vec<(i64, V)>,
    },
    Rating {
        input: u32,
        scale: V,
    },
    Grade {
        input: u32,
        options: Vec<Spec>,
        pick: Option<u32>,
    },
    Checklist {
        input: u32,
        points: Vec<V>,
    },
}

#[derive(Debug, Clone)]
enum Count {
    When(Fx),
    Slot(u32),
    Formula(Fx),
    None,
}

#[derive(Debug, Clone)]
struct PEvent {
    count: Count,
    /// Fixed points per event, or the picked amount's slot and range per event.
    fixed: Option<V>,
    range: Option<(V, V, u32)>,
    cap: Option<V>,
    deduct: bool,
}

#[derive(Debug, Clone)]
struct PItem {
    points: V,
    rule: PRule,
    events: Vec<PEvent>,
    floor: Option<V>,
    max: Option<V>,
}

#[derive(Debug, Clone)]
struct PSection {
    items: Vec<u32>,
    score: Option<Fx>,
    floor: Option<V>,
    max: Option<V>,
    /// Weight in percent, for a total without a formula.
    weight: Option<V>,
}

/// A template ready for the lane.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    layout: Layout,
    decimals: u32,
    defaults: Vec<V>,
    metrics: Vec<(u32, Fx)>,
    items: Vec<PItem>,
    sections: Vec<PSection>,
    total: Option<Fx>,
    grades: Vec<(Option<V>, V)>,
    pay: Vec<(Fx, u32)>,
    hundred: V,
}

fn opt(x: Option<Decimal>) -> R<Option<V>> {
    x.map(V::dec).transpose()
}

impl Plan {
    /// The plan, or `None` when the template has what the lane does not take (several
    /// raters on an item, a constant beyond 18 digits).
    pub(crate) fn new(t: &Template) -> Option<Plan> {
        Plan::build(t).ok()
    }

    fn build(t: &Template) -> R<Plan> {
        let hundred = V::int(100);
        let mut items = Vec::with_capacity(t.items.len());
        for it in &t.items {
            if !it.raters.is_empty() || it.rules.len() != 1 {
                return Err(Bail);
            }
            let rule = match &it.rules[0] {
                Rule::Score { input, .. } => PRule::Read(*input),
                Rule::Events { start } => PRule::Start(V::dec(*start)?),
                Rule::Adjust { input, reason, .. } => PRule::Adjust {
                    input: *input,
                    reason: *reason,
                },
                Rule::Formula { score } => PRule::Formula(Fx::of(&score.expr)?),
                Rule::Steps {
                    measure,
                    target,
                    below,
                    above,
                    zero_below,
                } => {
                    let step = |s: &Option<Step>| -> R<Option<(V, V)>> {
                        s.map(|s| Ok((V::dec(s.per)?, V::dec(s.points)?)))
                            .transpose()
                    };
                    PRule::Steps {
                        measure: Fx::of(&measure.expr)?,
                        target: Fx::of(&target.expr)?,
                        below: step(below)?,
                        above: step(above)?,
                        zero_below: zero_below.as_ref().map(|z| Fx::of(&z.expr)).transpose()?,
                    }
                }
                Rule::Ratio {
                    measure,
                    target,
                    better,
                    cap_pct,
                    zero_below,
                } => PRule::Ratio {
                    measure: Fx::of(&measure.expr)?,
                    target: Fx::of(&target.expr)?,
                    higher: *better == Better::Higher,
                    cap: match cap_pct {
                        Some(c) => Some(div(V::dec(*c)?, hundred)?),
                        None => None,
                    },
                    zero_below: zero_below.as_ref().map(|z| Fx::of(&z.expr)).transpose()?,
                },
                Rule::Tiers {
                    measure: Some(m),
                    bands,
                    pick,
                } => PRule::TiersBy {
                    measure: Fx::of(&m.expr)?,
                    bands: bands
                        .iter()
                        .map(|b| Ok((opt(b.from)?, opt(b.to)?, Spec::of(&b.score)?)))
                        .collect::<R<_>>()?,
                    pick: *pick,
                },
                Rule::Tiers {
                    measure: None,
                    bands,
                    pick,
                } => PRule::TiersPicked {
                    bands: bands.iter().map(|b| Spec::of(&b.score)).collect::<R<_>>()?,
                    pick: pick.unwrap_or(0),
                },
                Rule::Levels { input, levels } => PRule::Levels {
                    input: *input,
                    levels: levels
                        .iter()
                        .map(|l| Ok((i64::from(l.level), V::dec(l.score)?)))
                        .collect::<R<_>>()?,
                },
                Rule::Rating { input, scale } => PRule::Rating {
                    input: *input,
                    scale: V::dec(*scale)?,
                },
                Rule::Grade {
                    input,
                    options,
                    pick,
                } => PRule::Grade {
                    input: *input,
                    options: options.iter().map(|o| Spec::of(&o.pct)).collect::<R<_>>()?,
                    pick: *pick,
                },
                Rule::Checklist { input, criteria } => PRule::Checklist {
                    input: *input,
                    points: criteria
                        .iter()
                        .map(|c| V::dec(c.points))
                        .collect::<R<_>>()?,
                },
            };
            let events = it
                .events
                .iter()
                .map(|e| {
                    let count = match (&e.when, e.count, &e.count_formula) {
                        (Some(w), _, _) => Count::When(Fx::of(&w.expr)?),
                        (None, Some(c), _) => Count::Slot(c),
                        (None, None, Some(cf)) => Count::Formula(Fx::of(&cf.expr)?),
                        (None, None, None) => Count::None,
                    };
                    let (fixed, range) = match &e.points {
                        EventPoints::Fixed(x) => (Some(V::dec(*x)?), None),
                        EventPoints::Range { lo, hi, picked } => {
                            (None, Some((V::dec(*lo)?, V::dec(*hi)?, *picked)))
                        }
                    };
                    Ok(PEvent {
                        count,
                        fixed,
                        range,
                        cap: opt(e.cap)?,
                        deduct: e.sign.is_sign_negative(),
                    })
                })
                .collect::<R<_>>()?;
            items.push(PItem {
                points: V::dec(it.points)?,
                rule,
                events,
                floor: opt(it.floor.filter(|_| it.check_floor))?,
                max: opt(it.max.filter(|_| it.check_max))?,
            });
        }
        Ok(Plan {
            layout: t.layout,
            decimals: t.form.decimals,
            defaults: t
                .inputs
                .iter()
                .map(|i| i.default.map_or(Ok(V::ZERO), V::dec))
                .collect::<R<_>>()?,
            metrics: t
                .metrics
                .iter()
                .map(|m| Ok((m.slot, Fx::of(&m.formula.expr)?)))
                .collect::<R<_>>()?,
            items,
            sections: t
                .sections
                .iter()
                .map(|s| {
                    Ok(PSection {
                        items: s.items.iter().map(|&k| t.layout.items + k as u32).collect(),
                        score: s.score.as_ref().map(|f| Fx::of(&f.expr)).transpose()?,
                        floor: opt(s.floor)?,
                        max: opt(s.max)?,
                        weight: opt(s.weight)?,
                    })
                })
                .collect::<R<_>>()?,
            total: t.total.as_ref().map(|f| Fx::of(&f.expr)).transpose()?,
            grades: t
                .grades
                .iter()
                .map(|g| Ok((opt(g.min)?, V::dec(g.factor)?)))
                .collect::<R<_>>()?,
            pay: t
                .pay
                .iter()
                .map(|p| Ok((Fx::of(&p.formula.expr)?, p.decimals)))
                .collect::<R<_>>()?,
            hundred,
        })
    }
}

/// The lane's working frame: values are read and written a word at a time (copying whole
/// `V`s through memory stalled on store forwarding).
#[derive(Debug, Clone, Default)]
pub(crate) struct Regs {
    v: Vec<[i64; 4]>,
}

impl Regs {
    fn resize(&mut self, len: usize) {
        if self.v.len() != len {
            self.v.resize(len, [0, 1, 0, 0]);
        }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn get(&self, i: impl TryInto<usize>) -> V {
        let i = i.try_into().unwrap_or(usize::MAX);
        let a = &self.v[i];
        V {
            n: a[0],
            d: a[1],
            m: a[2],
            s: a[3],
        }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn set(&mut self, i: usize, v: V) {
        let a = &mut self.v[i];
        a[0] = v.n;
        a[1] = v.d;
        a[2] = v.m;
        a[3] = v.s;
    }
}

/// A formula over the lane's frame. Failure travels in `bad` (the value is then
/// meaningless), so results stay in registers.
#[cfg_attr(not(debug_assertions), inline(always))]
fn ev(e: &Fx, f: &Regs, bad: &mut bool) -> V {
    match e {
        Fx::Const(v) => *v,
        Fx::Slot(i) => f.get(*i as usize),
        _ => ev_node(e, f, bad),
    }
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn ok(r: R<V>, bad: &mut bool) -> V {
    match r {
        Ok(v) => v,
        Err(Bail) => {
            *bad = true;
            V::ZERO
        }
    }
}

fn ev_node(e: &Fx, f: &Regs, bad: &mut bool) -> V {
    match e {
        Fx::Const(v) => *v,
        Fx::Slot(i) => f.get(*i as usize),
        Fx::Neg(a) => neg(ev(a, f, bad)),
        Fx::Not(a) => V::bool(!ev(a, f, bad).truth()),
        Fx::Shift(a, k) => ok(shift(ev(a, f, bad), *k), bad),
        Fx::Scale(a, k) => ok(scale_up(ev(a, f, bad), *k), bad),
        Fx::Bin(op, a, b) => {
            let x = ev(a, f, bad);
            match op {
                BinOp::And => return V::bool(x.truth() && ev(b, f, bad).truth()),
                BinOp::Or => return V::bool(x.truth() || ev(b, f, bad).truth()),
                _ => {}
            }
            let y = ev(b, f, bad);
            let c = |bad: &mut bool| match cmp(x, y) {
                Ok(o) => o,
                Err(Bail) => {
                    *bad = true;
                    Ordering::Equal
                }
            };
            match op {
                BinOp::Add => ok(add(x, y), bad),
                BinOp::Sub => ok(sub(x, y), bad),
                BinOp::Mul => ok(mul(x, y), bad),
                BinOp::Div => ok(div(x, y), bad),
                BinOp::Lt => V::bool(c(bad).is_lt()),
                BinOp::Le => V::bool(c(bad).is_le()),
                BinOp::Gt => V::bool(c(bad).is_gt()),
                BinOp::Ge => V::bool(c(bad).is_ge()),
                BinOp::Eq => V::bool(c(bad).is_eq()),
                BinOp::Ne => V::bool(c(bad).is_ne()),
                BinOp::And | BinOp::Or => unreachable!("handled above"),
            }
        }
        Fx::If(c, a, b) => {
            if ev(c, f, bad).truth() {
                ev(a, f, bad)
            } else {
                ev(b, f, bad)
            }
        }
        Fx::Min(args) => {
            let mut m = ev(&args[0], f, bad);
            for a in &args[1..] {
                m = ok(min(m, ev(a, f, bad)), bad);
            }
            m
        }
        Fx::Max(args) => {
            let mut m = ev(&args[0], f, bad);
            for a in &args[1..] {
                m = ok(max(m, ev(a, f, bad)), bad);
            }
            m
        }
        Fx::Abs(a) => {
            let v = ev(a, f, bad);
            V {
                n: v.n.abs(),
                m: v.m.abs(),
                ..v
            }
        }
        Fx::Round(a, dp) => ok(round(ev(a, f, bad), *dp), bad),
        Fx::Floor(a) => ok(floor(ev(a, f, bad)), bad),
        Fx::Ceil(a) => ok(ceil(ev(a, f, bad)), bad),
        Fx::Clamp(x, lo, hi) => {
            let (x, lo, hi) = (ev(x, f, bad), ev(lo, f, bad), ev(hi, f, bad));
            ok(max(x, lo).and_then(|v| min(v, hi)), bad)
        }
    }
}

/// `floor(a / b)` for `b > 0`.
#[cfg_attr(not(debug_assertions), inline(always))]
fn floor_div(a: V, b: V) -> R<V> {
    floor(div(a, b)?)
}

/// A rule's outcome: a score, or 0 for the whole item (a cut-off).
enum Out {
    Score(V),
    Zero,
}

/// The assessor's pick within `lo..=hi`.
#[inline]
fn picked(f: &Regs, row: &[Val], pick: Option<u32>, lo: V, hi: V) -> R<V> {
    let Some(pk) = pick else { return Err(Bail) };
    if !matches!(row.get(pk as usize), Some(Val::Num(_))) {
        return Err(Bail);
    }
    let v = f.get(pk as usize);
    if lt(v, lo)? || gt(v, hi)? {
        return Err(Bail);
    }
    Ok(v)
}

#[inline]
fn spec(s: &Spec, f: &Regs, row: &[Val], pick: Option<u32>) -> R<V> {
    match s {
        Spec::Fixed(x) => Ok(*x),
        Spec::Formula(x) => {
            let mut bad = false;
            let v = ev(x, f, &mut bad);
            if bad { Err(Bail) } else { Ok(v) }
        }
        Spec::Range(lo, hi) => picked(f, row, pick, *lo, *hi),
    }
}

/// A measured rule's measure and target, or `None` when the measure is below the rule's
/// cut-off (the item then scores 0 whatever else).
#[cfg_attr(not(debug_assertions), inline(always))]
fn measured(measure: &Fx, target: &Fx, zero_below: Option<&Fx>, f: &Regs) -> R<Option<(V, V)>> {
    let mut bad = false;
    let m = ev(measure, f, &mut bad);
    let tv = ev(target, f, &mut bad);
    let cut = match zero_below {
        Some(z) => {
            let zv = ev(z, f, &mut bad);
            !bad && lt(m, zv)?
        }
        None => false,
    };
    if bad {
        return Err(Bail);
    }
    Ok((!cut).then_some((m, tv)))
}

#[cfg_attr(not(debug_assertions), inline(always))]
fn rule(p: &Plan, it: &PItem, row: &[Val], f: &Regs) -> R<Out> {
    let mut bad = false;
    let pts = it.points;
    let out = match &it.rule {
        PRule::Read(i) => f.get(*i as usize),
        PRule::Start(v) => *v,
        PRule::Adjust { input, reason } => {
            let v = f.get(*input as usize);
            let why =
                matches!(row.get(*reason as usize), Some(Val::Text(s)) if !s.trim().is_empty());
            if v.truth() && !why {
                return Err(Bail);
            }
            v
        }
        PRule::Formula(x) => ev(x, f, &mut bad),
        PRule::Steps {
            measure,
            target,
            below,
            above,
            zero_below,
        } => {
            let Some((m, tv)) = measured(measure, target, zero_below.as_ref(), f)? else {
                return Ok(Out::Zero);
            };
            let side = match cmp(m, tv)? {
                Ordering::Less => below.map(|b| (b, sub(tv, m))),
                Ordering::Greater => above.map(|a| (a, sub(m, tv))),
                Ordering::Equal => None,
            };
            match side {
                Some(((per, step), gap)) => add(pts, mul(floor_div(gap?, per)?, step)?)?,
                None => pts,
            }
        }
        PRule::Ratio {
            measure,
            target,
            higher,
            cap,
            zero_below,
        } => {
            let Some((m, tv)) = measured(measure, target, zero_below.as_ref(), f)? else {
                return Ok(Out::Zero);
            };
            if !tv.truth() {
                return Err(Bail);
            }
            let mut a = if *higher {
                div(m, tv)?
            } else if !m.truth() {
                cap.unwrap_or(V::ONE)
            } else {
                div(tv, m)?
            };
            if let Some(c) = cap
                && gt(a, *c)?
            {
                a = *c;
            }
            mul(pts, a)?
        }
        PRule::TiersBy {
            measure,
            bands,
            pick,
        } => {
            let m = ev(measure, f, &mut bad);
            if bad {
                return Err(Bail);
            }
            let mut hit = None;
            for (from, to, s) in bands {
                let from_ok = match from {
                    Some(x) => !lt(m, *x)?,
                    None => true,
                };
                if from_ok
                    && match to {
                        Some(x) => lt(m, *x)?,
                        None => true,
                    }
                {
                    hit = Some(s);
                    break;
                }
            }
            let Some(s) = hit else {
                return Ok(Out::Score(V::ZERO));
            };
            if !matches!(s, Spec::Range(..))
                && pick.is_some_and(|pk| matches!(row.get(pk as usize), Some(Val::Num(_))))
            {
                // A score picked where the tier fixes it: the interpreter's error.
                return Err(Bail);
            }
            spec(s, f, row, *pick)?
        }
        PRule::TiersPicked { bands, pick } => {
            if !matches!(row.get(*pick as usize), Some(Val::Num(_))) {
                return Err(Bail);
            }
            let v = f.get(*pick as usize);
            let mut hit = false;
            for b in bands {
                hit = match b {
                    Spec::Fixed(x) => cmp(v, *x)? == Ordering::Equal,
                    Spec::Range(lo, hi) => !lt(v, *lo)? && !gt(v, *hi)?,
                    Spec::Formula(_) => false,
                };
                if hit {
                    break;
                }
            }
            if !hit {
                return Err(Bail);
            }
            v
        }
        PRule::Levels { input, levels } => {
            let lv = f.get(*input as usize);
            // A whole number (`3`, `3.00`) naming a level; anything else is the
            // interpreter's error to report.
            if lv.is_q() || lv.n % lv.d != 0 {
                return Err(Bail);
            }
            let whole = lv.n / lv.d;
            match levels.iter().find(|l| l.0 == whole) {
                Some(l) => l.1,
                None => return Err(Bail),
            }
        }
        PRule::Rating { input, scale } => div(mul(pts, f.get(*input as usize))?, *scale)?,
        PRule::Grade {
            input,
            options,
            pick,
        } => {
            let i = f.get(*input as usize);
            // The option's position, truncated as the interpreter does.
            let Some(o) = (!i.is_q())
                .then(|| usize::try_from(i.n / i.d).ok())
                .flatten()
                .and_then(|k| options.get(k))
            else {
                return Err(Bail);
            };
            let pct = spec(o, f, row, *pick)?;
            div(mul(pts, pct)?, p.hundred)?
        }
        PRule::Checklist { input, points } => {
            let bits = match row.get(*input as usize) {
                Some(Val::Set(b)) => *b,
                _ => 0,
            };
            let mut s = V::ZERO;
            for (i, c) in points.iter().enumerate() {
                if bits & (1 << i) != 0 {
                    s = add(s, *c)?;
                }
            }
            s
        }
    };
    if bad { Err(Bail) } else { Ok(Out::Score(out)) }
}

/// One item's score, rounded to the form's decimals.
#[cfg_attr(not(debug_assertions), inline(always))]
fn item(p: &Plan, it: &PItem, row: &[Val], f: &Regs) -> R<V> {
    let mut score = match rule(p, it, row, f)? {
        Out::Score(v) => v,
        Out::Zero => return Ok(V::ZERO),
    };
    let mut bad = false;
    for e in &it.events {
        let count = match &e.count {
            Count::When(w) => V::bool(ev(w, f, &mut bad).truth()),
            Count::Slot(c) => f.get(*c as usize),
            Count::Formula(cf) => {
                let c = ev(cf, f, &mut bad);
                // A count must be a whole number ≥ 0: else the interpreter's error.
                if c.is_q() || c.n < 0 || c.n % c.d != 0 {
                    return Err(Bail);
                }
                c
            }
            Count::None => V::ZERO,
        };
        let mut amount = match (e.fixed, e.range) {
            (Some(x), _) => mul(count, x)?,
            (None, Some((lo, hi, slot))) => {
                let got = f.get(slot as usize);
                if lt(got, mul(count, lo)?)? || gt(got, mul(count, hi)?)? {
                    return Err(Bail);
                }
                got
            }
            (None, None) => V::ZERO,
        };
        if e.fixed.is_none() && !count.truth() && !amount.truth() {
            continue;
        }
        if let Some(c) = e.cap {
            amount = min(amount, c)?;
        }
        // No events, no points: the interpreter skips the event. Dropped here without a
        // branch, since counts differ from row to row and a mispredicted branch costs more
        // than the product.
        let amount = amount.or_zero(count.truth() || e.fixed.is_none());
        score = if e.deduct {
            sub(score, amount)?
        } else {
            add(score, amount)?
        };
    }
    if bad {
        return Err(Bail);
    }
    if let Some(fl) = it.floor
        && lt(score, fl)?
    {
        score = fl;
    }
    if let Some(mx) = it.max
        && gt(score, mx)?
    {
        score = mx;
    }
    round(score, p.decimals)
}

/// Score one row in the lane, writing the outputs (items, sections, total, grade, pay)
/// into `out` (the lane works in `out.fx`).
pub(crate) fn score(p: &Plan, params: &[Decimal], row: &[Val], out: &mut Frame) -> R<()> {
    let fx = &mut out.fx;
    let l = p.layout;
    fx.resize(l.len as usize);
    let regs = &mut fx.v[..p.defaults.len()];
    for (k, (r, dflt)) in regs.iter_mut().zip(&p.defaults).enumerate() {
        let v = match row.get(k) {
            Some(Val::Num(d)) => V::dec(*d)?,
            Some(Val::Na) => return Err(Bail),
            Some(Val::Set(s)) => V::int(i64::from(s.count_ones())),
            _ => *dflt,
        };
        *r = [v.n, v.d, v.m, v.s];
    }
    for (i, pv) in params.iter().enumerate() {
        let s = l.params as usize + i;
        let v = match row.get(s) {
            Some(Val::Num(d)) => V::dec(*d)?,
            _ => V::dec(*pv)?,
        };
        fx.set(s, v);
    }
    let mut bad = false;
    for (slot, m) in &p.metrics {
        fx.set(*slot as usize, ev(m, fx, &mut bad));
    }
    if bad {
        return Err(Bail);
    }
    for (k, it) in p.items.iter().enumerate() {
        fx.set(l.items as usize + k, item(p, it, row, fx)?);
    }
    for (si, sec) in p.sections.iter().enumerate() {
        let mut v = V::ZERO;
        for &s in &sec.items {
            v = add(v, fx.get(s as usize))?;
        }
        if let Some(sf) = &sec.score {
            v = ev(sf, fx, &mut bad);
        }
        if let Some(fl) = sec.floor
            && lt(v, fl)?
        {
            v = fl;
        }
        if let Some(mx) = sec.max
            && gt(v, mx)?
        {
            v = mx;
        }
        fx.set(l.sections as usize + si, v);
    }
    let total = match &p.total {
        Some(tf) => ev(tf, fx, &mut bad),
        None => {
            let mut v = V::ZERO;
            for (si, sec) in p.sections.iter().enumerate() {
                let s = fx.get(l.sections as usize + si);
                v = match sec.weight {
                    Some(w) => add(v, div(mul(s, w)?, p.hundred)?)?,
                    None => add(v, s)?,
                };
            }
            v
        }
    };
    if bad {
        return Err(Bail);
    }
    fx.set(l.total as usize, total);
    let mut grade = None;
    for (g, (min, _)) in p.grades.iter().enumerate() {
        let fits = match min {
            Some(m) => !lt(total, *m)?,
            None => true,
        };
        if fits {
            grade = Some(g);
            break;
        }
    }
    fx.set(
        l.grade_factor as usize,
        grade.map_or(V::ONE, |g| p.grades[g].1),
    );
    for (pi, (pf, dp)) in p.pay.iter().enumerate() {
        let raw = ev(pf, fx, &mut bad);
        fx.set(l.pay as usize + pi, round(raw, *dp)?);
    }
    if bad {
        return Err(Bail);
    }
    // Everything computed: now (and only now) write the frame.
    let first = l.items as usize;
    let last = l.pay as usize + p.pay.len();
    for s in first..last {
        out.v[s] = out.fx.get(s).to_dec()?;
    }
    if out.any_na {
        out.na.iter_mut().for_each(|x| *x = false);
        out.any_na = false;
    }
    out.grade = grade;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::engine::NoTrace;
    use crate::synth::Lcg;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn bundled() -> Vec<(String, Template)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .expect("templates/ exists")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                let src = std::fs::read_to_string(&p).unwrap();
                let t = crate::compile_str(&src).expect("bundled forms compile");
                (p.file_stem().unwrap().to_string_lossy().to_string(), t)
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// A number within the input's range, with 0–2 decimals; now and then an awkward
    /// divisor (3, 7) or a bound itself.
    fn number(lo: Option<Decimal>, hi: Option<Decimal>, g: &mut Lcg) -> Decimal {
        let lo = lo.unwrap_or(Decimal::ZERO);
        let hi = hi.unwrap_or(lo + Decimal::from(300));
        match g.next(12) {
            0 => return lo,
            1 => return hi,
            2 if lo <= Decimal::from(3) && hi >= Decimal::from(7) => {
                return Decimal::from(3 + 4 * g.next(2));
            }
            _ => {}
        }
        let s = g.next(3) as u32;
        let span = ((hi - lo) * Decimal::from(10u64.pow(s)))
            .floor()
            .try_into()
            .unwrap_or(1000u64);
        lo + Decimal::new(g.next(span.max(1) + 1) as i64, s)
    }

    fn random_row(t: &Template, g: &mut Lcg) -> Vec<Val> {
        let mut row = vec![Val::Empty; t.layout.metrics as usize];
        for (i, inp) in t.inputs.iter().enumerate() {
            row[i] = match &inp.kind {
                InputKind::Text => match g.next(3) {
                    0 => Val::Empty,
                    _ => Val::Text("理由".into()),
                },
                InputKind::Set(k) => Val::Set(g.next(1 << k) as u32),
                InputKind::Choice(o) => Val::Num(Decimal::from(g.next(o.len() as u64 + 1))),
                _ if inp.na_ok && g.next(25) == 0 => Val::Na,
                _ if g.next(15) == 0 => Val::Empty,
                _ => Val::Num(number(inp.min, inp.max, g)),
            };
        }
        row
    }

    /// Both paths on one row: the same outcome, to the digit. Returns whether the row
    /// scores (no error) and whether the lane answered it.
    fn same(t: &Template, e: &Engine, row: &[Val]) -> (bool, bool) {
        let mut a = Frame::new(t);
        let ra = e.score(row, &mut a, &[], &mut NoTrace);
        let mut b = Frame::new(t);
        let rb = e.score_outputs(row, &mut b, &[]);
        assert_eq!(ra, rb, "{}: errors differ on {row:?}", t.form.id);
        let l = t.layout;
        for s in l.items as usize..l.pay as usize + t.pay.len() {
            if s == l.grade_factor as usize {
                continue;
            }
            assert_eq!(
                a.v[s],
                b.v[s],
                "{}: slot {s} ({}) differs on {row:?}",
                t.form.id,
                t.slot_name(s as u32)
            );
        }
        assert_eq!(a.grade, b.grade, "{}: grade differs on {row:?}", t.form.id);
        (ra.is_ok(), e.lane_only(row, &mut b))
    }

    #[test]
    fn the_lane_agrees_with_the_interpreter_on_every_bundled_form() {
        let mut g = Lcg(7);
        for (id, t) in bundled() {
            let mut e = Engine::new(&t);
            e.use_fast_lane(true);
            let (mut scored, mut answered) = (0, 0);
            for _ in 0..3000 {
                let row = random_row(&t, &mut g);
                let (ok, fast) = same(&t, &e, &row);
                // Rows with 不适用 are the interpreter's by design.
                scored += usize::from(ok && !row.contains(&Val::Na));
                answered += usize::from(fast);
            }
            println!(
                "{id}: {scored} of 3000 rows score without 不适用, the lane answered {answered}"
            );
            // The lane is for real: of the forms it takes, it answers most rows that
            // score. (It declines, by design, where a rounded quotient could meet a
            // boundary: a ratio of 15 points times a third, a ratio of exactly 1.)
            if Plan::new(&t).is_some() {
                assert!(
                    answered * 3 >= scored * 2,
                    "{id}: the lane answered {answered} of {scored}"
                );
            }
        }
    }

    #[test]
    fn the_lane_answers_every_generated_f01_row() {
        let src = include_str!("../../../templates/F01.toml");
        let t = crate::compile_str(src).unwrap();
        let mut e = Engine::new(&t);
        assert!(e.use_fast_lane(true));
        let csv = crate::synth::f01_csv(2000);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let cols = crate::input::match_header(&t, &header).unwrap();
        for (i, l) in lines.enumerate() {
            let cells: Vec<&str> = l.split(',').collect();
            let row = crate::input::parse_row(&t, &cols, &cells, i + 2).unwrap();
            assert_eq!(same(&t, &e, &row.values), (true, true), "line {}", i + 2);
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn fractions_compare_floor_and_round_exactly() {
        let third = div(V::dec(d("1")).unwrap(), V::dec(d("3")).unwrap()).unwrap();
        assert!(third.is_q());
        // (1/3) × 3 terminates: the interpreter would hold 0.999…, so the lane declines.
        assert_eq!(mul(third, V::dec(d("3")).unwrap()), Err(Bail));
        assert_eq!(round(third, 2).unwrap().to_dec().unwrap(), d("0.33"));
        let c = scale_up(
            div(V::dec(d("87.1")).unwrap(), V::dec(d("100")).unwrap()).unwrap(),
            2,
        )
        .unwrap();
        assert_eq!(c.to_dec().unwrap(), d("87.1"));
        // 1/8 terminates and is exact.
        let e = div(V::dec(d("1")).unwrap(), V::dec(d("8")).unwrap()).unwrap();
        assert_eq!(e.to_dec().unwrap(), d("0.125"));
        assert_eq!(round(e, 2).unwrap().to_dec().unwrap(), d("0.13"));
        assert_eq!(round(neg(e), 2).unwrap().to_dec().unwrap(), d("-0.13"));
        // 2/3 × 100 = 66.66…: below 66.67, above 66.66, floor 66.
        let q = scale_up(
            div(V::dec(d("2")).unwrap(), V::dec(d("3")).unwrap()).unwrap(),
            2,
        )
        .unwrap();
        assert!(lt(q, V::dec(d("66.67")).unwrap()).unwrap());
        assert!(gt(q, V::dec(d("66.66")).unwrap()).unwrap());
        assert_eq!(floor(q).unwrap().to_dec().unwrap(), d("66"));
        assert_eq!(ceil(q).unwrap().to_dec().unwrap(), d("67"));
        assert_eq!(div(V::dec(d("1")).unwrap(), V::ZERO), Err(Bail));
    }

    fn dec_strategy() -> impl Strategy<Value = Decimal> {
        (-2_000_000i64..2_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s))
    }

    proptest! {
        /// Every operation the lane answers gives the interpreter's number: sums,
        /// products, quotients, and what follows a quotient (×100, comparisons, floors,
        /// half-up rounding), as the rules use them.
        #[test]
        fn operations_match_decimal(a in dec_strategy(), b in dec_strategy(), c in dec_strategy(), k in 0u32..4) {
            let (va, vb, vc) = (V::dec(a).unwrap(), V::dec(b).unwrap(), V::dec(c).unwrap());
            prop_assert_eq!(add(va, vb).unwrap().to_dec().unwrap(), a + b);
            prop_assert_eq!(sub(va, vb).unwrap().to_dec().unwrap(), a - b);
            prop_assert_eq!(mul(va, vb).unwrap().to_dec().unwrap(), a * b);
            prop_assert_eq!(cmp(va, vb).unwrap(), a.cmp(&b));
            prop_assert_eq!(round(va, k).unwrap().to_dec().unwrap(), crate::num::round_half_up(a, k));
            prop_assert_eq!(floor(va).unwrap().to_dec().unwrap(), a.floor());
            if b.is_zero() {
                return Ok(());
            }
            let q = div(va, vb).unwrap();
            let qd = a / b;
            if let Ok(x) = q.to_dec() {
                prop_assert_eq!(x, qd);
            }
            let pct = scale_up(q, 2).unwrap();
            let pd = qd * Decimal::ONE_HUNDRED;
            if let Ok(o) = cmp(pct, vc) {
                prop_assert_eq!(o, pd.cmp(&c));
            }
            if let Ok(fl) = floor(pct) {
                prop_assert_eq!(fl.to_dec().unwrap(), pd.floor());
            }
            if let Ok(r) = round(q, k) {
                prop_assert_eq!(r.to_dec().unwrap(), crate::num::round_half_up(qd, k));
            }
            // floor((c − q×100) / 5): the steps rule.
            if let Ok(n) = sub(vc, pct).and_then(|g| floor_div(g, V::dec(Decimal::from(5)).unwrap())) {
                prop_assert_eq!(n.to_dec().unwrap(), ((c - pd) / Decimal::from(5)).floor());
            }
            if let Ok(m) = mul(q, vc) {
                let md = qd * c;
                if let Ok(r) = round(m, k) {
                    prop_assert_eq!(r.to_dec().unwrap(), crate::num::round_half_up(md, k));
                }
            }
        }
    }
}
