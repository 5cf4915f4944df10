//! Probability of existence kept as log-odds. With survival, the update is integrated
//! PDA's (Musicki, Evans and Stankovic 1994); its increments are Blackman's track-score
//! increments (Blackman and Popoli 1999, §6.2), so confirmation and deletion are a
//! sequential probability ratio test on the track's likelihood.

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x
    } else if x < -30.0 {
        x.exp()
    } else {
        x.exp().ln_1p()
    }
}

/// Log-odds after `dt_s` seconds of possible death with mean life `life_s`:
/// `P' = exp(-dt / life) P`.
pub(crate) fn survive(log_odds: f64, dt_s: f64, life_s: f64) -> f64 {
    if dt_s <= 0.0 {
        return log_odds;
    }
    let ln_ps = -dt_s / life_s;
    let ln_1m_ps = (-ln_ps.exp_m1()).ln().max(-745.0);
    ln_ps + log_odds - softplus(ln_1m_ps + log_odds)
}

/// Log-odds after a scan in which the track was detected with likelihood ratio
/// `lr = N(z; h(x), S) / lambda`: `P+ / (1 - P+) = (1 - Pd + Pd lr) P / (1 - P)`.
pub(crate) fn detected(log_odds: f64, pd: f64, lr: f64) -> f64 {
    log_odds + (1.0 - pd + pd * lr).max(1e-300).ln()
}

/// Log-odds after a scan that should have seen the track and did not.
pub(crate) fn missed(log_odds: f64, pd: f64) -> f64 {
    log_odds + (1.0 - pd).max(1e-300).ln()
}

/// Probability from log-odds.
pub(crate) fn probability(log_odds: f64) -> f64 {
    1.0 / (1.0 + (-log_odds).exp())
}

/// Log-odds from probability.
pub(crate) fn log_odds(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P = 0.9, survival exp(-1/10) = 0.904837: P' = 0.814354, log-odds 1.47622.
    #[test]
    fn survival_by_hand() {
        let l = survive(log_odds(0.9), 1.0, 10.0);
        assert!((probability(l) - 0.9 * (-0.1f64).exp()).abs() < 1e-12);
        assert_eq!(survive(2.0, 0.0, 10.0), 2.0);
        // Huge confidence cannot survive beyond the survival probability itself.
        assert!((probability(survive(80.0, 1.0, 10.0)) - (-0.1f64).exp()).abs() < 1e-12);
    }

    /// Miss with Pd 0.9 from P = 0.5: P+ = 0.1 * 0.5 / (1 - 0.9 * 0.5) = 0.0909.
    #[test]
    fn miss_and_hit_by_hand() {
        assert!((probability(missed(0.0, 0.9)) - 0.05 / 0.55).abs() < 1e-12);
        // Hit with lr = 100 from P = 0.5: odds 1 * (0.1 + 90) = 90.1.
        assert!((detected(0.0, 0.9, 100.0) - 90.1f64.ln()).abs() < 1e-12);
    }
}
