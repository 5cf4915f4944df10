use crate::{
    filter::{mixture_reduce, update, Gaussian, Innovation},
    measurement::{linearize, MeasurementModel},
    motion::NearlyConstantVelocity,
    EstimationError,
};

/// Most modes an IMM holds. Two (quiet and manoeuvring nearly-constant-velocity) cover
/// what skyfence tracks: a fixed array keeps the filter on the stack.
pub const MAX_MODES: usize = 2;

/// Interacting multiple model configuration (Blom and Bar-Shalom, IEEE Trans. AC 33(8),
/// 1988). Mode switching is a continuous-time Markov chain: with mean sojourn `tau_j` in
/// mode j, the probability of leaving it during `dt` is `1 - exp(-dt / tau_j)`, so the
/// filter behaves the same whatever the sensors' update rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImmConfig {
    /// Motion model of each mode; only the first `n_modes` are used.
    pub models: [NearlyConstantVelocity; MAX_MODES],
    /// Mean time spent in each mode before switching, seconds.
    pub mean_sojourn_s: [f64; MAX_MODES],
    /// Number of modes in use (1 makes this a plain Kalman filter).
    pub n_modes: usize,
    /// Initial mode probabilities.
    pub initial_probs: [f64; MAX_MODES],
}

impl ImmConfig {
    /// A single-model configuration: a plain Kalman filter.
    pub fn single(model: NearlyConstantVelocity) -> Self {
        Self {
            models: [model; MAX_MODES],
            mean_sojourn_s: [f64::INFINITY; MAX_MODES],
            n_modes: 1,
            initial_probs: [1.0, 0.0],
        }
    }

    fn transition(&self, dt_s: f64) -> [[f64; MAX_MODES]; MAX_MODES] {
        let mut p = [[0.0; MAX_MODES]; MAX_MODES];
        if self.n_modes == 1 {
            p[0][0] = 1.0;
            return p;
        }
        for (i, row) in p.iter_mut().enumerate().take(self.n_modes) {
            let leave = if self.mean_sojourn_s[i].is_finite() && self.mean_sojourn_s[i] > 0.0 {
                1.0 - (-dt_s / self.mean_sojourn_s[i]).exp()
            } else {
                0.0
            };
            for (j, v) in row.iter_mut().enumerate().take(self.n_modes) {
                *v = if i == j {
                    1.0 - leave
                } else {
                    leave / (self.n_modes - 1) as f64
                };
            }
        }
        p
    }
}

/// A measurement that passed an IMM gate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateResult {
    /// Smallest squared Mahalanobis distance over the modes.
    pub mahalanobis2: f64,
    /// Log-likelihood under the mode mixture.
    pub log_likelihood: f64,
    /// Measurement dimension (1 to 3).
    pub dim: usize,
}

/// The IMM's state: one Gaussian per mode and the mode probabilities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImmState {
    /// Per-mode estimates.
    pub modes: [Gaussian; MAX_MODES],
    /// Mode probabilities (sum to one over the first `n_modes`).
    pub probs: [f64; MAX_MODES],
    /// Number of modes in use.
    pub n_modes: usize,
}

impl ImmState {
    /// Starts every mode at `g`.
    pub fn new(g: Gaussian, cfg: &ImmConfig) -> Self {
        let mut probs = cfg.initial_probs;
        let s: f64 = probs[..cfg.n_modes].iter().sum();
        for p in probs.iter_mut().take(cfg.n_modes) {
            *p /= s;
        }
        Self {
            modes: [g; MAX_MODES],
            probs,
            n_modes: cfg.n_modes,
        }
    }

    /// The moment-matched combined estimate.
    pub fn combined(&self) -> Gaussian {
        if self.n_modes == 1 {
            return self.modes[0];
        }
        let comps: [(f64, Gaussian); MAX_MODES] =
            std::array::from_fn(|j| (self.probs[j], self.modes[j]));
        mixture_reduce(&comps[..self.n_modes]).unwrap_or(self.modes[0])
    }

    /// Interaction (mixing) then per-mode prediction `dt_s` ahead. The returned state's
    /// `probs` are the predicted mode probabilities.
    pub fn predict(&self, cfg: &ImmConfig, dt_s: f64) -> Result<Self, EstimationError> {
        let mut out = *self;
        self.predict_into(cfg, dt_s, &mut out)?;
        Ok(out)
    }

    /// [`ImmState::predict`] written into `out`, whose modes from `n_modes` on are left
    /// as they were (see [`ImmState::update_into`]); on an error `out` is untouched.
    pub fn predict_into(
        &self,
        cfg: &ImmConfig,
        dt_s: f64,
        out: &mut Self,
    ) -> Result<(), EstimationError> {
        if !dt_s.is_finite() || dt_s < 0.0 {
            return Err(EstimationError::TimeStep(dt_s));
        }
        if self.n_modes == 1 {
            out.modes[0] = cfg.models[0].predict(&self.modes[0], dt_s)?;
            out.probs = [1.0, 0.0];
            out.n_modes = 1;
        } else {
            *out = self.predict_modes(cfg, dt_s)?;
        }
        Ok(())
    }

    /// Mixing and prediction with two or more modes.
    fn predict_modes(&self, cfg: &ImmConfig, dt_s: f64) -> Result<Self, EstimationError> {
        let n = self.n_modes;
        let p = cfg.transition(dt_s);
        let mut out = *self;
        for j in 0..n {
            let c_j: f64 = (0..n).map(|i| p[i][j] * self.probs[i]).sum();
            let comps: [(f64, Gaussian); MAX_MODES] =
                std::array::from_fn(|i| (p[i][j] * self.probs[i], self.modes[i]));
            let mixed = mixture_reduce(&comps[..n]).unwrap_or(self.modes[j]);
            out.modes[j] = cfg.models[j].predict(&mixed, dt_s)?;
            out.probs[j] = c_j;
        }
        normalise(&mut out.probs[..n]);
        Ok(out)
    }

    /// Updates a predicted state with one measurement. Returns the posterior and the
    /// log-likelihood of the measurement under the combined prediction.
    pub fn update(&self, m: &MeasurementModel<'_>) -> Result<(Self, f64), EstimationError> {
        let mut out = *self;
        let logl = self.update_into(m, &mut out)?;
        Ok((out, logl))
    }

    /// [`ImmState::update`] written into `out`, whose modes from `n_modes` on are left
    /// as they were; on an error `out` is untouched. A scan updates thousands of
    /// tracks, and a state returned by value was copied whole (both mode slots) several
    /// times on its way into the track.
    pub fn update_into(
        &self,
        m: &MeasurementModel<'_>,
        out: &mut Self,
    ) -> Result<f64, EstimationError> {
        let n = self.n_modes;
        let mut posterior: [Option<Gaussian>; MAX_MODES] = [None; MAX_MODES];
        let mut logl = [f64::NEG_INFINITY; MAX_MODES];
        for j in 0..n {
            let lin = linearize(m, &self.modes[j].mean);
            let u = update(&self.modes[j], &lin)?;
            posterior[j] = Some(u.posterior);
            logl[j] = u.innovation.log_likelihood;
        }
        let max = logl[..n].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mut probs = self.probs;
        let mut total = 0.0;
        for j in 0..n {
            let w = self.probs[j] * (logl[j] - max).exp();
            probs[j] = w;
            total += w;
        }
        normalise(&mut probs[..n]);
        for (slot, g) in out.modes.iter_mut().zip(posterior).take(n) {
            if let Some(g) = g {
                *slot = g;
            }
        }
        out.probs = probs;
        out.n_modes = n;
        Ok(max + total.ln())
    }

    /// Gates a measurement against a predicted state and scores it, mode by mode.
    ///
    /// The measurement passes if it lies inside `gate[dim]` (squared Mahalanobis
    /// distance, by measurement dimension) of any mode, and its log-likelihood is that
    /// of the mode mixture, `ln sum_j mu_j N(z; h(x_j), S_j)`. Gating on the
    /// moment-matched combined estimate instead would shrink the manoeuvre mode's wide
    /// gate by its small probability and drop the very plots that show a turn began.
    /// Returns `None` when no mode's gate holds the measurement.
    pub fn gate(
        &self,
        m: &MeasurementModel<'_>,
        gate: &[f64; 4],
    ) -> Result<Option<GateResult>, EstimationError> {
        let n = self.n_modes;
        let mut inside = false;
        let mut best_d2 = f64::INFINITY;
        let mut dim = 0;
        let mut logl = [f64::NEG_INFINITY; MAX_MODES];
        for j in 0..n {
            let lin = linearize(m, &self.modes[j].mean);
            let inn = Innovation::new(&self.modes[j], &lin)?;
            inside |= inn.mahalanobis2 <= gate[inn.dim.min(3)];
            best_d2 = best_d2.min(inn.mahalanobis2);
            dim = inn.dim;
            logl[j] = inn.log_likelihood;
        }
        if !inside {
            return Ok(None);
        }
        let log_likelihood = if n == 1 {
            logl[0]
        } else {
            let max = logl[..n].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = (0..n).map(|j| self.probs[j] * (logl[j] - max).exp()).sum();
            max + sum.ln()
        };
        Ok(Some(GateResult {
            mahalanobis2: best_d2,
            log_likelihood,
            dim,
        }))
    }

    /// Probabilistic-data-association update: `miss_weight` is the probability that none
    /// of `hyps` is the target's, each hypothesis carries its own probability. Every mode
    /// is updated with every measurement and reduced to one Gaussian; mode probabilities
    /// follow the mode-conditioned likelihoods of the weighted measurements.
    pub fn update_pda(
        &self,
        miss_weight: f64,
        hyps: &[(f64, MeasurementModel<'_>)],
    ) -> Result<Self, EstimationError> {
        let n = self.n_modes;
        let mut out = *self;
        let mut comps: Vec<(f64, Gaussian)> = Vec::with_capacity(hyps.len() + 1);
        // Per-mode evidence, relative to the combined likelihood of each measurement.
        let mut evidence = [miss_weight; MAX_MODES];
        let mut per_mode: Vec<[(Gaussian, f64); MAX_MODES]> = Vec::with_capacity(hyps.len());
        for (_, m) in hyps {
            let mut row = [(self.modes[0], f64::NEG_INFINITY); MAX_MODES];
            for (j, slot) in row.iter_mut().enumerate().take(n) {
                let lin = linearize(m, &self.modes[j].mean);
                let u = update(&self.modes[j], &lin)?;
                *slot = (u.posterior, u.innovation.log_likelihood);
            }
            per_mode.push(row);
        }
        for (k, (beta, _)) in hyps.iter().enumerate() {
            let row = &per_mode[k];
            let max = row[..n]
                .iter()
                .map(|r| r.1)
                .fold(f64::NEG_INFINITY, f64::max);
            let comb: f64 = (0..n).map(|j| self.probs[j] * (row[j].1 - max).exp()).sum();
            for (j, e) in evidence.iter_mut().enumerate().take(n) {
                *e += beta * (row[j].1 - max).exp() / comb;
            }
        }
        for j in 0..n {
            comps.clear();
            comps.push((miss_weight, self.modes[j]));
            for (k, (beta, _)) in hyps.iter().enumerate() {
                comps.push((*beta, per_mode[k][j].0));
            }
            out.modes[j] = mixture_reduce(&comps).ok_or(EstimationError::NonFinite)?;
            out.probs[j] = self.probs[j] * evidence[j];
        }
        normalise(&mut out.probs[..n]);
        Ok(out)
    }
}

fn normalise(p: &mut [f64]) {
    let s: f64 = p.iter().sum();
    if s > 0.0 && s.is_finite() {
        p.iter_mut().for_each(|v| *v /= s);
    } else {
        let n = p.len() as f64;
        p.iter_mut().for_each(|v| *v = 1.0 / n);
    }
}
