//! The password policy: one function, [`password_problem`], used wherever a password is
//! set (a new user, the first administrator, a changed password).
//!
//! A password must have at least [`MIN_PASSWORD_CHARS`] characters, not be one character
//! repeated or a short unit repeated (`aaaaaaaaaa`, `1212121212`), not be a run
//! (`1234567890`, `abcdefghij`, `9876543210`), not be one of the most common passwords
//! (an embedded list, compared without case), and not contain the user name.

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The most common passwords (lower case), from published leak lists, with the Chinese
/// favourites. Compared case-insensitively with the whole password.
const COMMON: &[&str] = &[
    "0123456789",
    "1029384756",
    "1111111111",
    "1122334455",
    "1234554321",
    "1234567890",
    "12345678910",
    "123456789a",
    "123456789q",
    "1234567890a",
    "123123123123",
    "123321123321",
    "1234qwerasdf",
    "1234qwerty",
    "123456abcd",
    "123456qwerty",
    "1314520520",
    "1314521521",
    "147258369a",
    "1472583690",
    "1q2w3e4r5t",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "1qazxsw23edc",
    "2wsx3edc4rfv",
    "5201314520",
    "5201314521",
    "52013145201314",
    "520520520520",
    "5211314521",
    "6666666666",
    "8888888888",
    "9876543210",
    "987654321a",
    "a123456789",
    "a1234567890",
    "a1b2c3d4e5",
    "a1s2d3f4g5",
    "aa12345678",
    "aa123456789",
    "abc1234567",
    "abc12345678",
    "abc123456789",
    "abcd123456",
    "abcd1234567",
    "abcd12345678",
    "abcdefg123",
    "admin12345",
    "admin123456",
    "admin1234567",
    "admin@1234",
    "admin@12345",
    "admin@123456",
    "administrator",
    "asdf123456",
    "asdfasdfasdf",
    "asdfghjkl1",
    "asdfghjkl123",
    "asdfghjkl;",
    "baseball123",
    "changeme123",
    "computer123",
    "dragon1234",
    "football123",
    "iloveyou12",
    "iloveyou123",
    "iloveyou1314",
    "jiang123456",
    "kaohe12345",
    "kaohe123456",
    "kaohe-admin",
    "letmein123",
    "letmein1234",
    "li123456789",
    "liu123456789",
    "master1234",
    "michael123",
    "monkey1234",
    "p@ssw0rd123",
    "p@ssword123",
    "pass123456",
    "pass@12345",
    "pass@123456",
    "passw0rd12",
    "passw0rd123",
    "password00",
    "password01",
    "password10",
    "password11",
    "password12",
    "password123",
    "password1234",
    "password12345",
    "password@1",
    "password@123",
    "password!1",
    "password!123",
    "princess123",
    "q1w2e3r4t5",
    "q1w2e3r4t5y6",
    "qazwsx1234",
    "qazwsx123456",
    "qazwsxedc1",
    "qazwsxedc123",
    "qazwsxedcrfv",
    "qq123456789",
    "qq1234567890",
    "qwe1234567",
    "qwe123456789",
    "qweasdzxc1",
    "qweasdzxc123",
    "qwer123456",
    "qwer1234qwer",
    "qwerasdfzxcv",
    "qwert12345",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "qwertyuiop",
    "qwertyuiop1",
    "qwertyuiop123",
    "shadow1234",
    "sunshine123",
    "superman123",
    "test123456",
    "test1234567",
    "trustno123",
    "wang123456",
    "wang1234567",
    "welcome123",
    "welcome1234",
    "woaini1314",
    "woaini123456",
    "woaini5201314",
    "woaini520",
    "woaini521",
    "woaiwojia1",
    "woaiwojia123",
    "zhang123456",
    "zhang1234567",
    "zxc1234567",
    "zxc123456789",
    "zxcvbnm123",
    "zxcvbnm1234",
    "zxcvbnm,./",
    // Shorter than the minimum, kept so the list stays right if the minimum is lowered.
    "000000",
    "111111",
    "112233",
    "121212",
    "123123",
    "123321",
    "1234",
    "12345",
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "123654",
    "147258",
    "147258369",
    "159357",
    "1q2w3e",
    "1q2w3e4r",
    "1qaz2wsx",
    "520520",
    "5201314",
    "521521",
    "654321",
    "666666",
    "696969",
    "7758521",
    "7758258",
    "778899",
    "87654321",
    "88888888",
    "888888",
    "987654321",
    "a123456",
    "a1234567",
    "a12345678",
    "aa123456",
    "abc123",
    "abc12345",
    "abc123456",
    "admin",
    "admin123",
    "admin1234",
    "admin888",
    "asdfgh",
    "asdfghjkl",
    "iloveyou",
    "kaohe",
    "kaohe123",
    "letmein",
    "monkey",
    "passw0rd",
    "password",
    "password1",
    "qazwsx",
    "qazwsxedc",
    "qq123456",
    "qwe123",
    "qweasdzxc",
    "qwerty",
    "qwerty123",
    "root123",
    "sunshine",
    "woaini",
    "woaiwojia",
    "wojiushiwo",
    "zxcvbnm",
];

/// What is wrong with `password` for the user `username`, in zh-CN and English, or None
/// when it may be used.
pub fn password_problem(username: &str, password: &str) -> Option<(String, String)> {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return Some((
            format!("密码至少 {MIN_PASSWORD_CHARS} 位"),
            format!("the password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    if repeats_a_unit(&chars) {
        return Some((
            "密码不能是同一个字符或同一小段的重复（如 aaaaaaaaaa、1212121212）".into(),
            "the password must not repeat one character or a short group (like aaaaaaaaaa or 1212121212)".into(),
        ));
    }
    if is_run(&lower.chars().collect::<Vec<_>>()) {
        return Some((
            "密码不能是连续的字符（如 1234567890、abcdefghij）".into(),
            "the password must not be a run of characters (like 1234567890 or abcdefghij)".into(),
        ));
    }
    if COMMON.contains(&lower.as_str()) {
        return Some((
            "这是最常用的密码之一，很容易被猜到，请换一个".into(),
            "this is one of the most common passwords and easily guessed: choose another".into(),
        ));
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Some((
            "密码不能包含用户名".into(),
            "the password must not contain the user name".into(),
        ));
    }
    None
}

/// `aaaaaaaaaa`, `1212121212`, `abcabcabcabc`: a unit of 1 to 3 characters repeated.
fn repeats_a_unit(c: &[char]) -> bool {
    (1..=3).any(|unit| c.len() >= 2 * unit && (unit..c.len()).all(|i| c[i] == c[i - unit]))
}

/// Each character one above (or each one below) the one before: `1234567890` counts `0`
/// after `9` as a step up.
fn is_run(c: &[char]) -> bool {
    let step = |a: char, b: char| -> i64 {
        if a == '9' && b == '0' {
            1
        } else if a == '0' && b == '9' {
            -1
        } else {
            b as i64 - a as i64
        }
    };
    let Some(first) = c.windows(2).next().map(|w| step(w[0], w[1])) else {
        return false;
    };
    (first == 1 || first == -1) && c.windows(2).all(|w| step(w[0], w[1]) == first)
}

/// [`password_problem`] as the store's refusal of the field `field`.
pub(crate) fn check(field: &str, username: &str, password: &str) -> crate::Result<()> {
    match password_problem(username, password) {
        None => Ok(()),
        Some((zh, en)) => Err(crate::StoreError::Invalid {
            field: field.into(),
            message: crate::Text::pair(zh, en),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let bad = |p: &str| password_problem("hr", p).map(|(_, en)| en);
        assert!(bad("short").unwrap().contains("at least 10"));
        assert!(bad("12345678").unwrap().contains("at least 10"));
        assert!(bad("aaaaaaaaaa").unwrap().contains("repeat"));
        assert!(bad("1212121212").unwrap().contains("repeat"));
        assert!(bad("1234567890").unwrap().contains("run"));
        assert!(bad("abcdefghij").unwrap().contains("run"));
        assert!(bad("ZYXWVUTSRQ").unwrap().contains("run"));
        assert!(bad("9876543210").unwrap().contains("run"));
        assert!(bad("QwertyUIOP").unwrap().contains("common"));
        assert!(bad("woaini1314").unwrap().contains("common"));
        assert!(
            password_problem("zhangwei", "zhangwei-2026")
                .unwrap()
                .1
                .contains("user name")
        );
        assert_eq!(bad("a long password"), None);
        assert_eq!(bad("kaohe-demo"), None);
        assert_eq!(bad("correct horse"), None);
        // Names shorter than three characters are not looked for ("hr" in "three hrs").
        assert_eq!(bad("three hours ahead"), None);
    }
}
