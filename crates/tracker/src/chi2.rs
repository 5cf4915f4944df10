//! Chi-square quantiles for gates of dimension 1 to 3, from closed-form CDFs:
//! k = 1: erf(sqrt(x/2)); k = 2: 1 - exp(-x/2); k = 3: erf(sqrt(x/2)) - sqrt(2x/pi) exp(-x/2).

fn erf(x: f64) -> f64 {
    // W. J. Cody's rational approximations are overkill for a gate; the series and
    // continued fraction below are accurate to ~1e-12 in the range gates use.
    if x < 0.0 {
        return -erf(-x);
    }
    if x < 3.0 {
        // Maclaurin series: erf x = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)).
        let mut sum: f64 = 0.0;
        let mut term = x;
        let x2 = x * x;
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs().max(1e-300) || n < 3.0 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x2 / n;
            if n > 200.0 {
                break;
            }
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else {
        // Continued fraction for erfc (Lentz), converges fast for x >= 3.
        let mut f = x;
        let mut c = x;
        let mut d = 0.0;
        for k in 1..200 {
            let a = k as f64 / 2.0;
            d = x + a * d;
            d = if d == 0.0 { 1e-300 } else { 1.0 / d };
            c = x + a / c;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        1.0 - (-x * x).exp() / (f * std::f64::consts::PI.sqrt())
    }
}

fn cdf(k: usize, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    match k {
        1 => erf((x / 2.0).sqrt()),
        2 => 1.0 - (-x / 2.0).exp(),
        _ => erf((x / 2.0).sqrt()) - (2.0 * x / std::f64::consts::PI).sqrt() * (-x / 2.0).exp(),
    }
}

fn pdf(k: usize, x: f64) -> f64 {
    let sqrt_pi = std::f64::consts::PI.sqrt();
    match k {
        1 => (-x / 2.0).exp() / ((2.0 * x).sqrt() * sqrt_pi),
        2 => 0.5 * (-x / 2.0).exp(),
        _ => x.sqrt() * (-x / 2.0).exp() / (2f64.sqrt() * sqrt_pi),
    }
}

/// The `p` quantile of the chi-square distribution with `k` (1 to 3) degrees of freedom:
/// Newton's method on the CDF inside a bisection bracket (a handful of steps; this runs
/// at every tracker start, so it should not cost a millisecond).
pub(crate) fn quantile(k: usize, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 200.0);
    let mut x = k as f64 + 2.0;
    for _ in 0..100 {
        let f = cdf(k, x) - p;
        if f.abs() < 1e-13 {
            break;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let step = x - f / pdf(k, x);
        x = if step > lo && step < hi {
            step
        } else {
            0.5 * (lo + hi)
        };
    }
    x
}

#[cfg(test)]
mod tests {
    /// Table values (e.g. NIST/SEMATECH e-Handbook, chi-square critical values).
    #[test]
    fn matches_tables() {
        for (k, p, want) in [
            (1, 0.99, 6.635),
            (2, 0.99, 9.210),
            (3, 0.99, 11.345),
            (1, 0.999, 10.828),
            (2, 0.999, 13.816),
            (3, 0.999, 16.266),
        ] {
            let got = super::quantile(k, p);
            assert!((got - want).abs() < 2e-3, "k={k} p={p}: {got} vs {want}");
        }
    }
}
