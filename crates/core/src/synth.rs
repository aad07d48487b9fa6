//! Synthetic appraisees for benchmarks and load tests: deterministic, so every run
//! scores the same data.

use std::fmt::Write;

/// A small linear congruential generator: reproducible without a dependency.
pub struct Lcg(pub u64);

impl Lcg {
    /// A number in `0..n`.
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The header of [`f01_csv`].
pub const F01_HEADER: &str = "id,sales_target,sales_actual,new_customers,authorised_work,samples,contracts,idle,away,untidy,leave_late_early,absent_days,unapproved_leave,leave_days,monthly_bonus";

/// `n` F01 appraisees as CSV, header included.
pub fn f01_csv(n: usize) -> String {
    let mut g = Lcg(42);
    let mut out = String::with_capacity(n * 72);
    out.push_str(F01_HEADER);
    out.push('\n');
    for i in 0..n {
        let target = 100 + g.next(400);
        let actual = target * (30 + g.next(100)) / 100;
        let _ = writeln!(
            out,
            "E{i:07},{target},{actual}.{},{},{},{},{},{},{},{},{},{},{},{},{}",
            g.next(10),
            g.next(3),
            10 + g.next(11),
            8 + g.next(8),
            7 + g.next(9),
            g.next(2),
            g.next(2),
            g.next(2),
            g.next(4),
            g.next(2) * g.next(2),
            g.next(2),
            g.next(5),
            2000 + 100 * g.next(31)
        );
    }
    out
}
