//! Exact decimal helpers: parsing what people type, rounding half-up (四舍五入), display.

use rust_decimal::{Decimal, RoundingStrategy};
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
            ',' | '，' | '_' | ' ' | '\u{3000}' => continue,
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
    let d = parse_plain(buf)?;
    Some(if percent {
        Parsed::Percent(d)
    } else {
        Parsed::Number(d)
    })
}

fn parse_plain(s: &str) -> Option<Decimal> {
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

    #[test]
    fn toml_floats_keep_the_typed_digits() {
        assert_eq!(from_toml_float(0.1), Some(d("0.1")));
        assert_eq!(from_toml_float(300.3), Some(d("300.3")));
        assert_eq!(from_toml_float(2.5), Some(d("2.5")));
    }
}
