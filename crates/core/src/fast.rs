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
//! Status: correct (the tests below) but not yet faster than the tuned interpreter —
//! 1.7 M against 2.1 M F01 scorecards/s — because it walks the same formula trees and
//! passes 40-byte results up through every call. It is off by default
//! ([`Engine::use_fast_lane`]); the next step is a flat program per template with the
//! constants converted once and no `Result` per operation.

use crate::engine::{Engine, Frame, Val};
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
    s: i8,
}

const Q: i8 = -1;

/// `a × b`, if it fits.
#[inline(always)]
fn mul64(a: i64, b: i64) -> R<i64> {
    a.checked_mul(b).ok_or(Bail)
}

#[inline(always)]
fn add64(a: i64, b: i64) -> R<i64> {
    a.checked_add(b).ok_or(Bail)
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

    #[inline(always)]
    fn dec(x: Decimal) -> R<V> {
        let s = x.scale();
        let u = x.unpack();
        if u.hi != 0 || u.mid >= 0x8000_0000 || s > 18 {
            return Err(Bail);
        }
        let mag = (i64::from(u.mid) << 32) | i64::from(u.lo);
        let n = if u.negative { -mag } else { mag };
        Ok(V {
            n,
            d: P10[s as usize],
            m: n,
            s: s as i8,
        })
    }

    #[inline(always)]
    fn plain(n: i64, s: u32) -> R<V> {
        if s > 18 {
            return Err(Bail);
        }
        Ok(V {
            n,
            d: P10[s as usize],
            m: n,
            s: s as i8,
        })
    }

    #[inline(always)]
    fn int(n: i64) -> V {
        V {
            n,
            d: 1,
            m: n,
            s: 0,
        }
    }

    /// A fraction `n / d` (d > 0) known not to terminate, with magnitude bound `m`.
    #[inline(always)]
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
    #[inline(always)]
    fn fresh(self) -> bool {
        self.m.unsigned_abs() <= self.n.unsigned_abs()
    }

    #[inline(always)]
    fn bool(b: bool) -> V {
        if b { V::ONE } else { V::ZERO }
    }

    #[inline(always)]
    fn is_q(self) -> bool {
        self.s < 0
    }

    /// The same number as a `Decimal` (a fraction has none that is exact).
    #[inline(always)]
    fn to_dec(self) -> R<Decimal> {
        if self.is_q() {
            return Err(Bail);
        }
        Ok(Decimal::new(self.n, self.s as u32))
    }

    #[inline(always)]
    fn truth(self) -> bool {
        // A fraction never terminates, so is never 0.
        self.n != 0
    }

    /// A fraction is safe to compare with (or round at) `k` decimal places: see the
    /// module's notes. (`m` < 2^63 < 10^19, so up to `k = 7` always.)
    #[inline(always)]
    fn safe_at(self, k: u32) -> R<()> {
        if k <= 7 || (k <= 25 && u128::from(self.m.unsigned_abs()) < 10u128.pow(26 - k)) {
            Ok(())
        } else {
            Err(Bail)
        }
    }
}

/// Two decimals' mantissas at their common scale.
#[inline(always)]
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
#[inline]
fn add_q(a: V, b: V) -> R<(i64, i64, i64)> {
    let n = add64(mul64(a.n, b.d)?, mul64(b.n, a.d)?)?;
    let m = add64(mul64(a.m.abs(), b.d)?, mul64(b.m.abs(), a.d)?)?;
    Ok((n, mul64(a.d, b.d)?, m))
}

#[inline]
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

#[inline]
fn neg(a: V) -> V {
    V { n: -a.n, ..a }
}

#[inline]
fn sub(a: V, b: V) -> R<V> {
    add(a, neg(b))
}

/// `n / d` (d > 0) as a decimal when it terminates, else as a fraction.
#[inline]
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

#[inline]
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

#[inline]
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

#[inline]
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
#[inline]
fn cmp_q(q: V, b: V) -> R<Ordering> {
    q.safe_at(b.s as u32)?;
    Ok((i128::from(q.n) * i128::from(b.d)).cmp(&(i128::from(b.n) * i128::from(q.d))))
}

#[inline]
fn lt(a: V, b: V) -> R<bool> {
    Ok(cmp(a, b)? == Ordering::Less)
}

#[inline]
fn gt(a: V, b: V) -> R<bool> {
    Ok(cmp(a, b)? == Ordering::Greater)
}

#[inline]
fn min(a: V, b: V) -> R<V> {
    Ok(if cmp(b, a)? == Ordering::Less { b } else { a })
}

#[inline]
fn max(a: V, b: V) -> R<V> {
    Ok(if cmp(b, a)? == Ordering::Greater {
        b
    } else {
        a
    })
}

#[inline]
fn floor(a: V) -> R<V> {
    if a.is_q() {
        a.safe_at(0)?;
    }
    Ok(V::int(a.n.div_euclid(a.d)))
}

fn ceil(a: V) -> R<V> {
    floor(neg(a)).map(neg)
}

/// Half away from zero (四舍五入) to `dp` places, as [`crate::num::round_half_up`].
#[inline]
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

/// A formula over the lane's frame (constants and frame values read in place).
#[inline(always)]
fn ev(e: &Expr, f: &[V]) -> R<V> {
    match e {
        Expr::Const(d) => V::dec(*d),
        Expr::Slot(i) => Ok(f[*i as usize]),
        _ => ev_node(e, f),
    }
}

fn ev_node(e: &Expr, f: &[V]) -> R<V> {
    Ok(match e {
        Expr::Const(d) => V::dec(*d)?,
        Expr::Slot(i) => f[*i as usize],
        Expr::Neg(a) => neg(ev(a, f)?),
        Expr::Not(a) => V::bool(!ev(a, f)?.truth()),
        Expr::Shift(a, k) => shift(ev(a, f)?, *k)?,
        Expr::Scale(a, k) => scale_up(ev(a, f)?, *k)?,
        Expr::Bin(op, a, b) => {
            let x = ev(a, f)?;
            match op {
                BinOp::And => return Ok(V::bool(x.truth() && ev(b, f)?.truth())),
                BinOp::Or => return Ok(V::bool(x.truth() || ev(b, f)?.truth())),
                _ => {}
            }
            let y = ev(b, f)?;
            match op {
                BinOp::Add => add(x, y)?,
                BinOp::Sub => sub(x, y)?,
                BinOp::Mul => mul(x, y)?,
                BinOp::Div => div(x, y)?,
                BinOp::Lt => V::bool(cmp(x, y)?.is_lt()),
                BinOp::Le => V::bool(cmp(x, y)?.is_le()),
                BinOp::Gt => V::bool(cmp(x, y)?.is_gt()),
                BinOp::Ge => V::bool(cmp(x, y)?.is_ge()),
                BinOp::Eq => V::bool(cmp(x, y)?.is_eq()),
                BinOp::Ne => V::bool(cmp(x, y)?.is_ne()),
                BinOp::And | BinOp::Or => unreachable!("handled above"),
            }
        }
        Expr::If(c, a, b) => {
            if ev(c, f)?.truth() {
                ev(a, f)?
            } else {
                ev(b, f)?
            }
        }
        Expr::Min(args) => {
            let mut m = ev(&args[0], f)?;
            for a in &args[1..] {
                m = min(m, ev(a, f)?)?;
            }
            m
        }
        Expr::Max(args) => {
            let mut m = ev(&args[0], f)?;
            for a in &args[1..] {
                m = max(m, ev(a, f)?)?;
            }
            m
        }
        Expr::Abs(a) => {
            let v = ev(a, f)?;
            V {
                n: v.n.abs(),
                m: v.m.abs(),
                ..v
            }
        }
        Expr::Round(a, dp) => round(ev(a, f)?, *dp)?,
        Expr::Floor(a) => floor(ev(a, f)?)?,
        Expr::Ceil(a) => ceil(ev(a, f)?)?,
        Expr::Clamp(x, lo, hi) => {
            let (x, lo, hi) = (ev(x, f)?, ev(lo, f)?, ev(hi, f)?);
            min(max(x, lo)?, hi)?
        }
    })
}

/// Whether a template can use the lane at all (a row may still bail).
pub(crate) fn supports(t: &Template) -> bool {
    t.items
        .iter()
        .all(|i| i.raters.is_empty() && i.rules.len() == 1)
}

/// A rule's outcome: a score, or 0 for the whole item (a cut-off).
enum Out {
    Score(V),
    Zero,
}

/// `floor(a / b)` for `b > 0`.
fn floor_div(a: V, b: V) -> R<V> {
    floor(div(a, b)?)
}

#[inline(always)]
fn rule(item: &Item, rule: &Rule, row: &[Val], f: &[V]) -> R<Out> {
    let p = V::dec(item.points)?;
    Ok(Out::Score(match rule {
        Rule::Score { input, .. } => f[*input as usize],
        Rule::Events { start } => V::dec(*start)?,
        Rule::Adjust { input, reason, .. } => {
            let v = f[*input as usize];
            let why =
                matches!(row.get(*reason as usize), Some(Val::Text(s)) if !s.trim().is_empty());
            if v.truth() && !why {
                return Err(Bail);
            }
            v
        }
        Rule::Formula { score } => ev(&score.expr, f)?,
        Rule::Steps {
            measure,
            target,
            below,
            above,
            zero_below,
        } => {
            let m = ev(&measure.expr, f)?;
            let tv = ev(&target.expr, f)?;
            if let Some(z) = zero_below
                && lt(m, ev(&z.expr, f)?)?
            {
                return Ok(Out::Zero);
            }
            let side = match cmp(m, tv)? {
                Ordering::Less => below.map(|b| (b, sub(tv, m))),
                Ordering::Greater => above.map(|a| (a, sub(m, tv))),
                Ordering::Equal => None,
            };
            match side {
                Some((st, gap)) => {
                    let n = floor_div(gap?, V::dec(st.per)?)?;
                    add(p, mul(n, V::dec(st.points)?)?)?
                }
                None => p,
            }
        }
        Rule::Ratio {
            measure,
            target,
            better,
            cap_pct,
            zero_below,
        } => {
            let m = ev(&measure.expr, f)?;
            let tv = ev(&target.expr, f)?;
            if let Some(z) = zero_below
                && lt(m, ev(&z.expr, f)?)?
            {
                return Ok(Out::Zero);
            }
            if !tv.truth() {
                return Err(Bail);
            }
            let hundred = V::plain(100, 0)?;
            let mut a = match better {
                Better::Higher => div(m, tv)?,
                Better::Lower if !m.truth() => match cap_pct {
                    Some(c) => div(V::dec(*c)?, hundred)?,
                    None => V::ONE,
                },
                Better::Lower => div(tv, m)?,
            };
            if let Some(c) = cap_pct {
                let c = div(V::dec(*c)?, hundred)?;
                if gt(a, c)? {
                    a = c;
                }
            }
            mul(p, a)?
        }
        Rule::Tiers {
            measure: Some(mf),
            bands,
            pick,
        } => {
            let m = ev(&mf.expr, f)?;
            let mut hit = None;
            for b in bands {
                let from_ok = match b.from {
                    Some(x) => !lt(m, V::dec(x)?)?,
                    None => true,
                };
                if from_ok
                    && match b.to {
                        Some(x) => lt(m, V::dec(x)?)?,
                        None => true,
                    }
                {
                    hit = Some(b);
                    break;
                }
            }
            let Some(band) = hit else {
                return Ok(Out::Score(V::ZERO));
            };
            match &band.score {
                ScoreSpec::Fixed(_) | ScoreSpec::Formula(_)
                    if pick.is_some_and(|pk| matches!(row.get(pk as usize), Some(Val::Num(_)))) =>
                {
                    return Err(Bail);
                }
                ScoreSpec::Fixed(x) => V::dec(*x)?,
                ScoreSpec::Formula(x) => ev(&x.expr, f)?,
                ScoreSpec::Range(lo, hi) => picked(row, *pick, *lo, *hi)?,
            }
        }
        Rule::Tiers {
            measure: None,
            bands,
            pick,
        } => {
            let v = match row.get(pick.unwrap_or(0) as usize) {
                Some(Val::Num(d)) => *d,
                _ => return Err(Bail),
            };
            let hit = bands.iter().any(|b| match &b.score {
                ScoreSpec::Fixed(x) => v == *x,
                ScoreSpec::Range(lo, hi) => v >= *lo && v <= *hi,
                ScoreSpec::Formula(_) => false,
            });
            if !hit {
                return Err(Bail);
            }
            V::dec(v)?
        }
        Rule::Levels { input, levels } => {
            let lv = f[*input as usize];
            // A whole number (`3`, `3.00`) naming a level; anything else is the
            // interpreter's error to report.
            if lv.is_q() || lv.n % lv.d != 0 {
                return Err(Bail);
            }
            let whole = lv.n / lv.d;
            match levels.iter().find(|l| whole == i64::from(l.level)) {
                Some(l) => V::dec(l.score)?,
                None => return Err(Bail),
            }
        }
        Rule::Rating { input, scale } => div(mul(p, f[*input as usize])?, V::dec(*scale)?)?,
        Rule::Grade {
            input,
            options,
            pick,
        } => {
            let i = f[*input as usize];
            // The option's position, truncated as the interpreter does.
            let Some(o) = (!i.is_q())
                .then(|| usize::try_from(i.n / i.d).ok())
                .flatten()
                .and_then(|k| options.get(k))
            else {
                return Err(Bail);
            };
            let pct = match &o.pct {
                ScoreSpec::Fixed(x) => V::dec(*x)?,
                ScoreSpec::Formula(x) => ev(&x.expr, f)?,
                ScoreSpec::Range(lo, hi) => picked(row, *pick, *lo, *hi)?,
            };
            div(mul(p, pct)?, V::plain(100, 0)?)?
        }
        Rule::Checklist { input, criteria } => {
            let bits = match row.get(*input as usize) {
                Some(Val::Set(b)) => *b,
                _ => 0,
            };
            let mut s = V::ZERO;
            for (i, c) in criteria.iter().enumerate() {
                if bits & (1 << i) != 0 {
                    s = add(s, V::dec(c.points)?)?;
                }
            }
            s
        }
    }))
}

/// The assessor's pick within `lo..=hi`.
fn picked(row: &[Val], pick: Option<u32>, lo: Decimal, hi: Decimal) -> R<V> {
    match pick.and_then(|pk| row.get(pk as usize)) {
        Some(Val::Num(v)) if *v >= lo && *v <= hi => Ok(V::dec(*v)?),
        _ => Err(Bail),
    }
}

/// One item's score, rounded to the form's decimals.
#[inline(always)]
fn item(t: &Template, item: &Item, row: &[Val], f: &[V]) -> R<V> {
    let mut score = match rule(item, &item.rules[0], row, f)? {
        Out::Score(v) => v,
        Out::Zero => return Ok(V::ZERO),
    };
    for e in &item.events {
        let count = match (&e.when, e.count) {
            (Some(w), _) => V::bool(ev(&w.expr, f)?.truth()),
            (None, Some(c)) => f[c as usize],
            (None, None) => match &e.count_formula {
                Some(cf) => {
                    let c = ev(&cf.expr, f)?;
                    // A count must be a whole number ≥ 0: else the interpreter's error.
                    if c.is_q() || c.n < 0 || c.n % c.d != 0 {
                        return Err(Bail);
                    }
                    c
                }
                None => V::ZERO,
            },
        };
        let mut amount = match &e.points {
            EventPoints::Fixed(_) if !count.truth() => continue,
            EventPoints::Fixed(x) => mul(count, V::dec(*x)?)?,
            EventPoints::Range { lo, hi, picked } => {
                let got = f[*picked as usize];
                if lt(got, mul(count, V::dec(*lo)?)?)? || gt(got, mul(count, V::dec(*hi)?)?)? {
                    return Err(Bail);
                }
                got
            }
        };
        if !count.truth() && !amount.truth() {
            continue;
        }
        if let Some(c) = e.cap {
            amount = min(amount, V::dec(c)?)?;
        }
        score = if e.sign.is_sign_negative() {
            sub(score, amount)?
        } else {
            add(score, amount)?
        };
    }
    if let Some(fl) = item.floor.filter(|_| item.check_floor) {
        let fl = V::dec(fl)?;
        if lt(score, fl)? {
            score = fl;
        }
    }
    if let Some(mx) = item.max.filter(|_| item.check_max) {
        let mx = V::dec(mx)?;
        if gt(score, mx)? {
            score = mx;
        }
    }
    round(score, t.form.decimals)
}

/// Score one row in the lane, writing the outputs (items, sections, total, grade, pay)
/// into `out`; `fx` is the lane's working frame.
pub(crate) fn score(engine: &Engine, row: &[Val], fx: &mut Vec<V>, out: &mut Frame) -> R<()> {
    let t = engine.t;
    let l = t.layout;
    fx.resize(l.len as usize, V::ZERO);
    for (i, inp) in t.inputs.iter().enumerate() {
        fx[i] = match row.get(i) {
            Some(Val::Num(d)) => V::dec(*d)?,
            Some(Val::Na) => return Err(Bail),
            Some(Val::Set(s)) => V::plain(i64::from(s.count_ones()), 0)?,
            _ => inp.default.map_or(Ok(V::ZERO), V::dec)?,
        };
    }
    for i in 0..t.params.len() {
        let s = l.params as usize + i;
        fx[s] = match row.get(s) {
            Some(Val::Num(d)) => V::dec(*d)?,
            _ => V::dec(engine.param(i))?,
        };
    }
    for m in &t.metrics {
        fx[m.slot as usize] = ev(&m.formula.expr, fx)?;
    }
    for (k, it) in t.items.iter().enumerate() {
        let s = l.items as usize + k;
        fx[s] = item(t, it, row, fx)?;
    }
    for (si, sec) in t.sections.iter().enumerate() {
        let mut v = V::ZERO;
        for &k in &sec.items {
            v = add(v, fx[l.items as usize + k])?;
        }
        if let Some(sf) = &sec.score {
            v = ev(&sf.expr, fx)?;
        }
        if let Some(fl) = sec.floor {
            let fl = V::dec(fl)?;
            if lt(v, fl)? {
                v = fl;
            }
        }
        if let Some(mx) = sec.max {
            let mx = V::dec(mx)?;
            if gt(v, mx)? {
                v = mx;
            }
        }
        fx[l.sections as usize + si] = v;
    }
    let total = match &t.total {
        Some(tf) => ev(&tf.expr, fx)?,
        None => {
            let mut v = V::ZERO;
            for (si, sec) in t.sections.iter().enumerate() {
                let s = fx[l.sections as usize + si];
                v = match sec.weight {
                    Some(w) => add(v, div(mul(s, V::dec(w)?)?, V::plain(100, 0)?)?)?,
                    None => add(v, s)?,
                };
            }
            v
        }
    };
    fx[l.total as usize] = total;
    let mut grade = None;
    for (g, gr) in t.grades.iter().enumerate() {
        let ok = match gr.min {
            Some(m) => !lt(total, V::dec(m)?)?,
            None => true,
        };
        if ok {
            grade = Some(g);
            break;
        }
    }
    fx[l.grade_factor as usize] = match grade {
        Some(g) => V::dec(t.grades[g].factor)?,
        None => V::ONE,
    };
    for (pi, pay) in t.pay.iter().enumerate() {
        let v = round(ev(&pay.formula.expr, fx)?, pay.decimals)?;
        fx[l.pay as usize + pi] = v;
    }
    // Everything computed: now (and only now) write the frame.
    let first = l.items as usize;
    let last = l.pay as usize + t.pay.len();
    for s in first..last {
        out.v[s] = fx[s].to_dec()?;
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
        let mut fx = Vec::new();
        (
            ra.is_ok(),
            e.has_fast_lane() && score(e, row, &mut fx, &mut b).is_ok(),
        )
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
            if supports(&t) {
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
