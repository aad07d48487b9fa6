//! Exact decimal helpers: parsing what people type, rounding half-up (四舍五入), display.

use rust_decimal::{Decimal, RoundingStrategy};
use std::cmp::Ordering;
use std::str::FromStr;

/// Round half away from zero (四舍五入) to `dp` decimal places.
#[inline]
pub fn round_half_up(v: Decimal, dp: u32) -> Decimal {
    if v.scale() <= dp {
        v
    } else {
        v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
    }
}

// Exact shortcuts for the hot path. Each gives bit for bit what rust_decimal gives (value,
// scale and sign) in the cases it covers, and hands every other case to rust_decimal.

/// 10^k for k ≤ 9.
const POW10: [u64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// `a + b` when both have the same sign and scale, mantissas below 2^32 and are not both
/// zero. rust_decimal then returns the operand that is not zero, or adds the 32-bit
/// mantissas keeping sign and scale: the same number in each case.
#[cfg_attr(not(debug_assertions), inline(always))]
fn add_small(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (x, y) = (a.unpack(), b.unpack());
    if x.negative != y.negative
        || x.scale != y.scale
        || (x.hi | x.mid | y.hi | y.mid) != 0
        || (x.lo | y.lo) == 0
    {
        return None;
    }
    let s = u64::from(x.lo) + u64::from(y.lo);
    Some(Decimal::from_parts(
        s as u32,
        (s >> 32) as u32,
        0,
        x.negative,
        x.scale,
    ))
}

/// `a - b` under the same conditions as [`add_small`]. rust_decimal then subtracts the
/// smaller mantissa from the larger, flipping the sign when `b`'s is the larger (which is
/// also what it returns for `0 - b` and for `a - 0`); a zero difference is a positive zero
/// of that scale, as `from_parts` makes it.
#[cfg_attr(not(debug_assertions), inline(always))]
fn sub_small(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (x, y) = (a.unpack(), b.unpack());
    if x.negative != y.negative
        || x.scale != y.scale
        || (x.hi | x.mid | y.hi | y.mid) != 0
        || (x.lo | y.lo) == 0
    {
        return None;
    }
    Some(if x.lo >= y.lo {
        Decimal::from_parts(x.lo - y.lo, 0, 0, x.negative, x.scale)
    } else {
        Decimal::from_parts(y.lo - x.lo, 0, 0, !x.negative, x.scale)
    })
}

/// `a × b` when both mantissas are below 2^32 and the scales add up to at most 28.
/// rust_decimal then returns a zero product as `0` (scale 0), and otherwise the 64-bit
/// product of the mantissas with the scales added and the signs combined.
#[cfg_attr(not(debug_assertions), inline(always))]
fn mul_small(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (x, y) = (a.unpack(), b.unpack());
    if (x.hi | x.mid | y.hi | y.mid) != 0 || x.scale + y.scale > 28 {
        return None;
    }
    if x.lo == 0 || y.lo == 0 {
        return Some(Decimal::ZERO);
    }
    let p = u64::from(x.lo) * u64::from(y.lo);
    Some(Decimal::from_parts(
        p as u32,
        (p >> 32) as u32,
        0,
        x.negative != y.negative,
        x.scale + y.scale,
    ))
}

/// `0 + x1 + x2 + … + xn`, added left to right as rust_decimal adds. Shortcut: every term
/// non-negative, of one scale, with a mantissa below 2^32. Then `0 + x1` is `x1` and each
/// later sum is exact at that scale (zeros included), so the result is the integer sum of
/// the mantissas at that scale.
pub fn sum<I: Iterator<Item = Decimal> + Clone>(terms: I) -> Decimal {
    let mut it = terms.clone();
    let Some(first) = it.next() else {
        return Decimal::ZERO;
    };
    let u = first.unpack();
    let (mut total, mut small) = (u64::from(u.lo), !u.negative && (u.hi | u.mid) == 0);
    for x in it {
        let v = x.unpack();
        small &= !v.negative && v.scale == u.scale && (v.hi | v.mid) == 0;
        total += u64::from(v.lo);
    }
    if small {
        Decimal::from_parts(total as u32, (total >> 32) as u32, 0, false, u.scale)
    } else {
        terms.fold(Decimal::ZERO, add)
    }
}

/// [`sum`], or `None` when a partial sum is beyond `Decimal`'s range (the shortcut cannot
/// overflow: fewer than 2^32 terms below 2^32 each fit in 64 bits).
pub fn checked_sum<I: Iterator<Item = Decimal> + Clone>(mut terms: I) -> Option<Decimal> {
    let mut it = terms.clone();
    let Some(first) = it.next() else {
        return Some(Decimal::ZERO);
    };
    let u = first.unpack();
    let (mut total, mut small) = (u64::from(u.lo), !u.negative && (u.hi | u.mid) == 0);
    for x in it {
        let v = x.unpack();
        small &= !v.negative && v.scale == u.scale && (v.hi | v.mid) == 0;
        total = total.wrapping_add(u64::from(v.lo));
    }
    if small && total >> 63 == 0 {
        Some(Decimal::from_parts(
            total as u32,
            (total >> 32) as u32,
            0,
            false,
            u.scale,
        ))
    } else {
        terms.try_fold(Decimal::ZERO, checked_add)
    }
}

/// `a + b` (panics on overflow, like `+`).
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn add(a: Decimal, b: Decimal) -> Decimal {
    add_small(a, b).unwrap_or_else(|| a + b)
}

/// `a - b` (panics on overflow, like `-`).
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn sub(a: Decimal, b: Decimal) -> Decimal {
    sub_small(a, b).unwrap_or_else(|| a - b)
}

/// `a × b` (panics on overflow, like `*`).
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn mul(a: Decimal, b: Decimal) -> Decimal {
    mul_small(a, b).unwrap_or_else(|| a * b)
}

/// `a.checked_add(b)`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn checked_add(a: Decimal, b: Decimal) -> Option<Decimal> {
    add_small(a, b).or_else(|| a.checked_add(b))
}

/// `a.checked_sub(b)`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn checked_sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    sub_small(a, b).or_else(|| a.checked_sub(b))
}

/// `a.checked_mul(b)`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn checked_mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    mul_small(a, b).or_else(|| a.checked_mul(b))
}

/// `x.checked_mul(10^k)` with `10^k` an integer (scale 0), k ≤ 9. rust_decimal multiplies
/// the mantissa by 10^k at `x`'s scale; when that no longer fits in 96 bits it drops the
/// fewest trailing digits that make it fit (its estimate of how many is a lower bound, then
/// it drops one more at a time), lowering the scale by as many. While at most k digits go
/// they are zeros of 10^k, so nothing is rounded: the result is the mantissa times a
/// smaller power of ten. More than k (or than the scale) never fit here: rust_decimal's.
#[inline]
pub fn checked_mul_pow10(x: Decimal, k: u32) -> Option<Decimal> {
    if x.is_zero() {
        return Some(Decimal::ZERO);
    }
    let u = x.unpack();
    let m = (u128::from(u.hi) << 64) | (u128::from(u.mid) << 32) | u128::from(u.lo);
    for dropped in 0..=k.min(u.scale) {
        let p = m * u128::from(POW10[(k - dropped) as usize]);
        if p >> 96 == 0 {
            return Some(Decimal::from_parts(
                p as u32,
                (p >> 32) as u32,
                (p >> 64) as u32,
                u.negative,
                u.scale - dropped,
            ));
        }
    }
    x.checked_mul(Decimal::from(POW10[k as usize]))
}

/// 10^k for k ≤ 28.
const POW10_WIDE: [i128; 29] = {
    let mut t = [1i128; 29];
    let mut k = 1;
    while k < 29 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// Compare by value. Exact, so any correct way gives rust_decimal's answer: here the
/// mantissas as integers at the larger scale, when that surely fits in an i128 (the smaller
/// scale's mantissa below 2^(127 − 4k), as 10^k < 2^(4k)), else rust_decimal's `cmp`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn cmp(a: Decimal, b: Decimal) -> Ordering {
    let (sa, sb) = (a.scale(), b.scale());
    let (ma, mb) = (a.mantissa(), b.mantissa());
    if sa == sb {
        return ma.cmp(&mb);
    }
    let (lo, k) = if sa >= sb {
        (mb, sa - sb)
    } else {
        (ma, sb - sa)
    };
    if lo.unsigned_abs().leading_zeros() <= 1 + 4 * k {
        return a.cmp(&b);
    }
    let lo = lo * POW10_WIDE[k as usize];
    if sa >= sb { ma.cmp(&lo) } else { lo.cmp(&mb) }
}

/// `a < b`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn lt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) == Ordering::Less
}

/// `a > b`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn gt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b) == Ordering::Greater
}

/// `a.max(b)`: `b` only when `a < b` (so `a` when they are equal, whatever the scales).
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn max(a: Decimal, b: Decimal) -> Decimal {
    if lt(a, b) { b } else { a }
}

/// `a.min(b)`: `b` only when `a > b`.
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn min(a: Decimal, b: Decimal) -> Decimal {
    if gt(a, b) { b } else { a }
}

/// Render a decimal the way a sheet prints it: no trailing zeros, no exponent.
pub fn fmt(v: Decimal) -> String {
    v.normalize().to_string()
}

/// Render for an explanation: at most 6 decimal places, `…` when more were cut.
pub fn fmt_short(v: Decimal) -> String {
    let n = v.normalize();
    if n.scale() <= 6 {
        n.to_string()
    } else {
        format!(
            "{}…",
            n.round_dp_with_strategy(6, RoundingStrategy::ToZero)
                .normalize()
        )
    }
}

/// Render with a fixed number of places (money: 2).
pub fn fmt_dp(v: Decimal, dp: u32) -> String {
    let r = round_half_up(v, dp);
    format!("{:.*}", dp as usize, r)
}

/// What a cell held, once understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// A plain number, e.g. `87.5`.
    Number(Decimal),
    /// A number written with a percent sign, e.g. `95%`; the value is the number before `%`.
    Percent(Decimal),
}

impl Parsed {
    /// The number, whether or not a `%` was written.
    pub fn value(self) -> Decimal {
        match self {
            Parsed::Number(d) | Parsed::Percent(d) => d,
        }
    }
}

/// Parse a number as people type it in sheets: `1,234.5`, `９５％`, ` 87 `, `-3`, `+2`, `1.2万` is NOT accepted.
///
/// Full-width digits and signs are folded to ASCII; thousands separators are dropped;
/// a trailing `%` (or `％`) is remembered.
pub fn parse_user_number(s: &str) -> Option<Parsed> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // Fast path: plain ASCII decimal.
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return parse_plain(s).map(Parsed::Number);
    }
    let mut buf = String::with_capacity(s.len());
    let mut percent = false;
    for ch in s.chars() {
        let c = match ch {
            '０'..='９' => char::from(b'0' + (ch as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            '－' | '—' | '−' => '-',
            '＋' => '+',
            ',' | '，' | '_' => {
                // A thousands separator: only between groups of digits.
                buf.push(',');
                continue;
            }
            ' ' | '\u{3000}' => continue,
            '%' | '％' => {
                if percent {
                    return None;
                }
                percent = true;
                continue;
            }
            c => c,
        };
        if percent {
            // Nothing may follow the percent sign.
            return None;
        }
        buf.push(c);
    }
    let buf = buf.strip_prefix('+').unwrap_or(&buf);
    let grouped;
    let buf = if buf.contains(',') {
        grouped = ungroup(buf)?;
        grouped.as_str()
    } else {
        buf
    };
    let d = parse_plain(buf)?;
    Some(if percent {
        Parsed::Percent(d)
    } else {
        Parsed::Number(d)
    })
}

/// `1,234,567.5` without its separators, if they stand in groups of three as people write
/// them: the first group 1–3 digits, every other exactly 3, none after the point. `1,2,3,4`
/// or `12,34.5,6` is a typo, not 1234 or 1234.56.
fn ungroup(s: &str) -> Option<String> {
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", s),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    let mut groups = int.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = format!("{sign}{first}");
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(g);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// `-?digits[.digits]` with at most 18 digits, straight into the mantissa: exactly the
/// `Decimal` that `Decimal::from_str` reads (same mantissa and scale), several times faster.
/// Anything else (a lone `.`, `5.`, `-0`, more digits) is left to `from_str`.
#[inline]
fn parse_small(s: &[u8]) -> Option<Decimal> {
    let (neg, body) = match s.first()? {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() || body.len() > 19 || body[0] == b'.' || body[body.len() - 1] == b'.' {
        return None;
    }
    let (mut m, mut scale, mut digits) = (0i64, None, 0u32);
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' if digits < 18 => {
                m = m * 10 + i64::from(b - b'0');
                digits += 1;
            }
            b'.' if scale.is_none() => scale = Some((body.len() - i - 1) as u32),
            _ => return None,
        }
    }
    if neg && m == 0 {
        return None;
    }
    Some(Decimal::new(if neg { -m } else { m }, scale.unwrap_or(0)))
}

/// Append `v` as `v.normalize()` displays it (`87.50` → `87.5`, `100` → `100`), without
/// allocating.
pub fn write_normalized(out: &mut Vec<u8>, v: Decimal) {
    let u = v.unpack();
    if u.hi != 0 {
        out.extend_from_slice(v.normalize().to_string().as_bytes());
        return;
    }
    let (mut m, mut s) = ((u64::from(u.mid) << 32) | u64::from(u.lo), v.scale());
    while s > 0 && m % 10 == 0 {
        m /= 10;
        s -= 1;
    }
    if m == 0 {
        out.push(b'0');
        return;
    }
    if u.negative {
        out.push(b'-');
    }
    write_digits(out, m, s);
}

/// The digits of `m / 10^s` (m > 0 or s = 0), with a point when `s > 0`.
fn write_digits(out: &mut Vec<u8>, mut m: u64, s: u32) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    let digits = &buf[i..];
    let s = s as usize;
    if s == 0 {
        out.extend_from_slice(digits);
    } else if digits.len() > s {
        let (int, frac) = digits.split_at(digits.len() - s);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', s - digits.len()));
        out.extend_from_slice(digits);
    }
}

/// Append `v` rounded half-up to `dp` places and written with exactly `dp` decimals, as
/// [`fmt_dp`] writes it, without allocating.
pub fn write_dp(out: &mut Vec<u8>, v: Decimal, dp: u32) {
    let r = round_half_up(v, dp);
    let u = r.unpack();
    let m = (u64::from(u.mid) << 32) | u64::from(u.lo);
    let widened = POW10
        .get((dp - r.scale().min(dp)) as usize)
        .and_then(|p| m.checked_mul(*p));
    match widened {
        Some(w) if u.hi == 0 && (w != 0 || !u.negative) && r.scale() <= dp => {
            if u.negative {
                out.push(b'-');
            }
            write_digits(out, w, dp);
        }
        _ => out.extend_from_slice(fmt_dp(v, dp).as_bytes()),
    }
}

fn parse_plain(s: &str) -> Option<Decimal> {
    if let Some(d) = parse_small(s.as_bytes()) {
        return Some(d);
    }
    if s.is_empty() || s.contains(['e', 'E']) {
        return None;
    }
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty() || body.starts_with('.') && body.len() == 1 {
        return None;
    }
    if !body.bytes().all(|b| b.is_ascii_digit() || b == b'.') || body.matches('.').count() > 1 {
        return None;
    }
    Decimal::from_str(s).ok()
}

/// Decimal from a TOML float: its shortest round-trip text is what the author typed.
pub fn from_toml_float(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    Decimal::from_str(&format!("{f}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn thousands_separators_only_in_groups_of_three() {
        let n = |s: &str| parse_user_number(s).map(|p| p.value().to_string());
        assert_eq!(n("1,234.5"), Some("1234.5".into()));
        assert_eq!(n("１，２３４，５６７"), Some("1234567".into()));
        assert_eq!(n("-12,345"), Some("-12345".into()));
        assert_eq!(n("1,000%"), Some("1000".into()));
        assert_eq!(n("2 500.50"), Some("2500.50".into()));
        for typo in [
            "1,2,3,4",
            "12,34.5,6",
            ",123",
            "1,23",
            "1234,567",
            "1,234.5,6",
            "1,,234",
        ] {
            assert_eq!(n(typo), None, "{typo}");
        }
    }

    proptest! {
        /// The fast reading gives `from_str`'s very `Decimal`; the fast writers give
        /// `normalize()`'s and `fmt_dp`'s very text.
        #[test]
        fn fast_read_and_write_match_rust_decimal(m in any::<i64>(), s in 0u32..20, dp in 0u32..6, digits in 1usize..20) {
            let v = Decimal::new(m % 10i64.pow(digits.min(18) as u32), s.min(18));
            let text = v.to_string();
            if let Some(fast) = parse_small(text.as_bytes()) {
                prop_assert_eq!(fast.serialize(), Decimal::from_str(&text).unwrap().serialize(), "{}", text);
            }
            let mut out = Vec::new();
            write_normalized(&mut out, v);
            prop_assert_eq!(String::from_utf8(out).unwrap(), v.normalize().to_string());
            let mut out = Vec::new();
            write_dp(&mut out, v, dp);
            prop_assert_eq!(String::from_utf8(out).unwrap(), fmt_dp(v, dp));
        }
    }

    #[test]
    fn fast_paths_on_the_awkward_cases() {
        for s in [
            "0",
            "0.0",
            "-0",
            "-0.50",
            "5.",
            ".5",
            "-",
            "1.2.3",
            "000123.4500",
            "999999999999999999",
            "9999999999999999999",
        ] {
            let want = Decimal::from_str(s).ok();
            if let Some(fast) = parse_small(s.as_bytes()) {
                assert_eq!(Some(fast.serialize()), want.map(|d| d.serialize()), "{s}");
            }
        }
        for (v, dp, want) in [
            ("-0.004", 2, fmt_dp(d("-0.004"), 2)),
            ("0.005", 2, "0.01".into()),
            ("-1.005", 2, "-1.01".into()),
            ("7", 0, "7".into()),
            ("0.1", 3, "0.100".into()),
        ] {
            let mut out = Vec::new();
            write_dp(&mut out, d(v), dp);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{v}");
        }
        let mut out = Vec::new();
        write_normalized(&mut out, d("-0.0500"));
        assert_eq!(out, b"-0.05");
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_user_number("87.5"), Some(Parsed::Number(d("87.5"))));
        assert_eq!(
            parse_user_number(" 1,234.50 "),
            Some(Parsed::Number(d("1234.50")))
        );
        assert_eq!(parse_user_number("９５％"), Some(Parsed::Percent(d("95"))));
        assert_eq!(parse_user_number("95%"), Some(Parsed::Percent(d("95"))));
        assert_eq!(parse_user_number("+2"), Some(Parsed::Number(d("2"))));
        assert_eq!(parse_user_number("－３"), Some(Parsed::Number(d("-3"))));
        for bad in [
            "", "abc", "1e5", "1.2.3", "5%%", "5%3", "-", ".", "1.2万", "NaN",
        ] {
            assert_eq!(parse_user_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rounds_half_up_like_the_cashier() {
        assert_eq!(round_half_up(d("225.225"), 2), d("225.23"));
        assert_eq!(round_half_up(d("-0.125"), 2), d("-0.13"));
        assert_eq!(round_half_up(d("2.5"), 0), d("3"));
        assert_eq!(fmt_dp(d("300.30") * d("75") / d("100"), 2), "225.23");
    }

    /// Decimals of every width (32, 64, 96 bits), scale and sign, zeros included.
    fn any_dec() -> impl Strategy<Value = Decimal> {
        let mantissa = prop_oneof![
            0u128..=3,
            0u128..=1000,
            0u128..=u128::from(u32::MAX),
            0u128..=u128::from(u64::MAX),
            0u128..(1u128 << 96),
        ];
        (mantissa, 0u32..=28, any::<bool>()).prop_map(|(m, s, neg)| {
            Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, neg, s)
        })
    }

    /// Same value, same scale, same sign: what shows in output.
    fn same(a: Option<Decimal>, b: Option<Decimal>) -> bool {
        a.map(|x| x.serialize()) == b.map(|x| x.serialize())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn shortcuts_give_rust_decimals_bits(a in any_dec(), b in any_dec(), k in 0u32..=9) {
            prop_assert!(same(checked_add(a, b), a.checked_add(b)));
            prop_assert!(same(checked_sub(a, b), a.checked_sub(b)));
            prop_assert!(same(checked_mul(a, b), a.checked_mul(b)));
            let p = Decimal::from(POW10[k as usize]);
            prop_assert!(same(checked_mul_pow10(a, k), a.checked_mul(p)));
            prop_assert_eq!(cmp(a, b), a.cmp(&b));
            prop_assert!(same(Some(max(a, b)), Some(a.max(b))));
            prop_assert!(same(Some(min(a, b)), Some(a.min(b))));
            if let Some(x) = a.checked_add(b) {
                prop_assert!(same(Some(add(a, b)), Some(x)));
            }
            if let Some(x) = [a, b, a].into_iter().try_fold(Decimal::ZERO, |s, t| s.checked_add(t)) {
                prop_assert!(same(Some(sum([a, b, a].into_iter())), Some(x)));
            }
            let (c, d) = (a.abs().trunc_with_scale(k), b.abs().trunc_with_scale(k));
            if let Some(x) = [c, d, c].into_iter().try_fold(Decimal::ZERO, |s, t| s.checked_add(t)) {
                prop_assert!(same(Some(sum([c, d, c].into_iter())), Some(x)));
            }
            if let Some(x) = a.checked_sub(b) {
                prop_assert!(same(Some(sub(a, b)), Some(x)));
            }
            if let Some(x) = a.checked_mul(b) {
                prop_assert!(same(Some(mul(a, b)), Some(x)));
            }
        }

        #[test]
        fn quotients_times_a_hundred(a in any_dec(), b in any_dec()) {
            // The shape of a completion rate: a 28-digit quotient, then × 100.
            if let Some(q) = a.checked_div(b) {
                prop_assert!(same(checked_mul_pow10(q, 2), q.checked_mul(Decimal::ONE_HUNDRED)));
            }
        }
    }

    #[test]
    fn toml_floats_keep_the_typed_digits() {
        assert_eq!(from_toml_float(0.1), Some(d("0.1")));
        assert_eq!(from_toml_float(300.3), Some(d("300.3")));
        assert_eq!(from_toml_float(2.5), Some(d("2.5")));
    }
}
