//! Class-conditional densities of each feature.
//!
//! Every kinematic feature is modelled per class as a *soft band*: a uniform density
//! over the class's physically possible range with logistic edges, mixed with a small
//! floor over the feature's whole range so that one odd value cannot rule a class out.
//! The bands come from public figures (../shared/reference/threats-and-sensors.md,
//! sections 3 and 4), never from the recorded trajectories used to check the
//! classifier.

use model::Class;

/// Weight of the floor (the broad component) in every class density of a detection
/// attribute (RCS).
pub const FLOOR: f64 = 0.02;

/// Weight of the floor in the densities of motion features: a track's filtered motion
/// is often wrong for a while (a track hopping between the birds of a flock climbs at
/// tens of m/s), so no single motion feature may say more than about a factor of ten.
pub const MOTION_FLOOR: f64 = 0.1;

/// Exponent on the secondary motion terms: height, climb and turn rate, hovering and
/// company are judged on the same filtered track as the speed and are not independent
/// evidence of it, so each counts half.
pub const MOTION_WEIGHT: f64 = 0.5;

/// A uniform density on `[lo_x, hi_x]` with logistic edges of scale `soft_x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftBand {
    /// Lower edge (where the density is half its plateau).
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Logistic scale of both edges.
    pub soft: f64,
}

impl SoftBand {
    /// A band; `hi > lo` and `soft > 0`.
    pub const fn new(lo: f64, hi: f64, soft: f64) -> Self {
        Self { lo, hi, soft }
    }

    /// The band widened by `by` on both sides (the lower edge not below `floor`).
    pub fn widened(&self, by: f64, floor: f64) -> Self {
        Self {
            lo: (self.lo - by).max(floor),
            hi: self.hi + by,
            soft: self.soft,
        }
    }

    /// Density at `x` when `x` itself is known only to a standard deviation `sigma`:
    /// the edges soften by the measurement's spread (a logistic of scale s has
    /// standard deviation s·π/√3, so the scales add in quadrature on that footing).
    pub fn density(&self, x: f64, sigma: f64) -> f64 {
        let s_meas = sigma.max(0.0) * 3f64.sqrt() / std::f64::consts::PI;
        let s = (self.soft * self.soft + s_meas * s_meas).sqrt();
        let w = self.hi - self.lo;
        let (ea, eb) = ((-(x - self.lo) / s).exp(), (-(self.hi - x) / s).exp());
        // The exact integral of the product of the two logistic edges over the real
        // line is w / (1 - exp(-w / s)); exp(-w / s) is the product of the edges'
        // exponentials (this runs for every band of every track at every report, so
        // the third exponential is worth saving), unless that product is inf * 0.
        let mut u = ea * eb;
        if !u.is_finite() {
            u = (-w / s).exp();
        }
        let z = w / (1.0 - u);
        1.0 / ((1.0 + ea) * (1.0 + eb) * z)
    }
}

/// A feature's per-class densities, each a weighted mixture of soft bands (weights sum
/// to one), and the range its floor spreads over. Mixtures say where a class usually is
/// and how far it can go: a plain band would make the narrowest class win everywhere
/// inside it.
#[derive(Debug, Clone, Copy)]
pub struct FeatureModel {
    /// Mixture per class, indexed by [`Class::index`].
    pub bands: [&'static [(f64, SoftBand)]; Class::COUNT],
    /// The whole range of the feature (for the floor's uniform density).
    pub range: (f64, f64),
    /// Exponent on the term (see [`MOTION_WEIGHT`]).
    pub weight: f64,
}

impl FeatureModel {
    /// Log-likelihood of `x` (known to `sigma`) for every class, using `band_of` to
    /// adjust each class's band (for example widened by an unknown wind).
    pub fn log_likelihood(
        &self,
        x: f64,
        sigma: f64,
        band_of: impl Fn(&SoftBand) -> SoftBand,
    ) -> [f64; Class::COUNT] {
        let floor = 1.0 / (self.range.1 - self.range.0);
        let mut out = [0.0; Class::COUNT];
        for (o, mix) in out.iter_mut().zip(&self.bands) {
            let d: f64 = mix
                .iter()
                .map(|(w, b)| w * band_of(b).density(x, sigma))
                .sum();
            *o = self.weight * ((1.0 - MOTION_FLOOR) * d + MOTION_FLOOR * floor).ln();
        }
        out
    }
}

/// Horizontal speed through the air, m/s, per class. Quadcopters survey at 5–9 m/s,
/// cruise up to ~27 m/s, FPVs beyond 45 m/s (their hovering holds a place over the
/// ground, which is the hovering evidence, not an airspeed); Shahed-class cruise 42–51 m/s,
/// Gerbera decoys up to 44 m/s, slower decoys from about 20; migrating birds' airspeeds
/// mostly 8–18 m/s; manned aircraft from a glider's ~22 m/s to an airliner's 250, most
/// often light aircraft under 80; balloons drift with the air (airspeed near zero).
/// Unknown: anything.
pub const SPEED: FeatureModel = FeatureModel {
    bands: [
        &[
            (0.7, SoftBand::new(3.0, 22.0, 2.5)),
            (0.3, SoftBand::new(0.0, 45.0, 4.0)),
        ],
        &[
            (0.5, SoftBand::new(35.0, 55.0, 3.0)),
            (0.5, SoftBand::new(20.0, 65.0, 4.0)),
        ],
        &[
            (0.9, SoftBand::new(7.0, 18.0, 1.5)),
            (0.1, SoftBand::new(2.0, 25.0, 3.0)),
        ],
        &[
            (0.5, SoftBand::new(22.0, 80.0, 5.0)),
            (0.5, SoftBand::new(22.0, 280.0, 8.0)),
        ],
        &[(1.0, SoftBand::new(0.0, 2.5, 1.0))],
        &[(1.0, SoftBand::new(0.0, 350.0, 10.0))],
    ],
    range: (0.0, 350.0),
    // Speed through the air is the first thing that tells the classes apart, and
    // counts in full.
    weight: 1.0,
};

/// Height above the site, metres, per class: small drones mostly under 120 m, rarely
/// above a few hundred; Shahed-class historically very low, since 2025 at 2–5 km;
/// nocturnal migrants 100–3,000 m, most under 1,500, up to ~4 km; manned aircraft to
/// 13 km, light aircraft mostly under 3 km; balloons to 20 km.
pub const ALTITUDE: FeatureModel = FeatureModel {
    bands: [
        &[
            (0.8, SoftBand::new(-50.0, 150.0, 40.0)),
            (0.2, SoftBand::new(-50.0, 1000.0, 100.0)),
        ],
        &[
            (0.5, SoftBand::new(-50.0, 1000.0, 150.0)),
            (0.5, SoftBand::new(-50.0, 5500.0, 300.0)),
        ],
        &[
            (0.7, SoftBand::new(-50.0, 1500.0, 200.0)),
            (0.3, SoftBand::new(-50.0, 4000.0, 300.0)),
        ],
        &[
            (0.5, SoftBand::new(100.0, 3000.0, 200.0)),
            (0.5, SoftBand::new(100.0, 13500.0, 300.0)),
        ],
        &[(1.0, SoftBand::new(-50.0, 20000.0, 500.0))],
        &[(1.0, SoftBand::new(-50.0, 20000.0, 500.0))],
    ],
    range: (-100.0, 20000.0),
    weight: MOTION_WEIGHT,
};

/// A half-normal mixture: most of the time every class flies level or straight
/// (`common` component), and the class's own spread describes how far it goes when it
/// does not. Used for climb rate and turn rate, where "level and straight" says little.
#[derive(Debug, Clone, Copy)]
pub struct HalfNormalMixture {
    /// Weight of the common component.
    pub common_weight: f64,
    /// Scale of the common component.
    pub common_sigma: f64,
    /// Scale of each class's own component.
    pub sigma: [f64; Class::COUNT],
    /// The whole range of the feature's magnitude (for the floor).
    pub range: f64,
}

fn half_normal(x: f64, sigma: f64) -> f64 {
    let z = x / sigma;
    (2.0 / std::f64::consts::PI).sqrt() / sigma * (-0.5 * z * z).exp()
}

impl HalfNormalMixture {
    /// Log-likelihood of `|x|` (known to `sigma`) for every class.
    pub fn log_likelihood(&self, x: f64, sigma: f64) -> [f64; Class::COUNT] {
        let x = x.abs();
        let wide = |s: f64| (s * s + sigma * sigma).sqrt();
        let common = half_normal(x, wide(self.common_sigma));
        let mut out = [0.0; Class::COUNT];
        for (o, s) in out.iter_mut().zip(&self.sigma) {
            let p =
                self.common_weight * common + (1.0 - self.common_weight) * half_normal(x, wide(*s));
            *o = MOTION_WEIGHT * ((1.0 - MOTION_FLOOR) * p + MOTION_FLOOR / self.range).ln();
        }
        out
    }
}

/// Climb or descent rate, m/s: birds and balloons gently (meteorological balloons rise
/// at ~5 m/s), drones a few m/s, manned aircraft up to 10–15 m/s.
pub const CLIMB: HalfNormalMixture = HalfNormalMixture {
    common_weight: 0.7,
    common_sigma: 1.0,
    sigma: [4.0, 4.0, 1.5, 10.0, 4.0, 15.0],
    range: 50.0,
};

/// Mean turn rate, degrees per second: Shahed-class drones and balloons fly straight;
/// gliders and soaring birds circle at 15–20 °/s; multirotors turn as they like.
pub const TURN: HalfNormalMixture = HalfNormalMixture {
    common_weight: 0.6,
    common_sigma: 2.0,
    sigma: [30.0, 5.0, 20.0, 15.0, 2.0, 30.0],
    range: 90.0,
};

/// Share of each class that flies straight over two minutes (net displacement over path
/// length above about 0.85): Shahed-class drones and decoys fly their route; balloons
/// drift straight downwind; migrating birds mostly keep their heading; manned aircraft
/// often manoeuvre (circuits, gliders circling in thermals); multirotors go where their
/// pilot looks. The rest of each class is spread evenly over every straightness.
pub const STRAIGHT: [f64; Class::COUNT] = [0.4, 0.9, 0.7, 0.5, 0.9, 0.5];

/// Log-likelihood of a straightness `s` in [0, 1] for every class.
pub fn straightness_log_likelihood(s: f64) -> [f64; Class::COUNT] {
    let straight = SoftBand::new(0.85, 1.0, 0.03).density(s.clamp(0.0, 1.0), 0.0);
    STRAIGHT.map(|a| MOTION_WEIGHT * (a * straight + (1.0 - a)).ln())
}

/// Probability that a track of each class hovers (ground speed under 1.5 m/s) at some
/// time in a window: multirotors often; balloons in calm air; birds rarely (hovering
/// kestrels); fixed wings and manned aircraft (gliders included) almost never.
pub const HOVER: [f64; Class::COUNT] = [0.4, 0.005, 0.05, 0.002, 0.1, 0.3];

/// Probability that a track of each class flies with company (another track within a
/// few hundred metres at the same velocity, or several radar plots at once, as an
/// unresolved flock gives): migrating birds travel in flocks and broad fronts; drones
/// mostly alone (swarms and raids aside); manned aircraft almost always alone;
/// balloons are released in batches.
pub const COMPANY: [f64; Class::COUNT] = [0.15, 0.2, 0.7, 0.03, 0.3, 0.2];

/// Mean radar cross-section per class as a radar reports it, dBsm, with the spread of
/// that mean over individuals and aspects: small drones −20 to −8 dBsm at 24 GHz;
/// Shahed-class about 0.05–0.5 m²; birds typically −30 to −19 dBsm; manned aircraft
/// 1–100 m²; balloons weak (a payload, sometimes a reflector); clutter anything.
/// The means are 2.5 dB under the physical RCS: the dB-average of a Swerling I return
/// (10·log10 of an exponential variable has mean −2.5 dB).
pub const RCS_DBSM: [(f64, f64); Class::COUNT] = [
    (-16.5, 4.0),
    (-12.5, 5.0),
    (-27.5, 4.0),
    (7.5, 7.0),
    (-17.5, 6.0),
    (-25.0, 12.0),
];

/// Probability that a passive RF sensor picks up a track of each class: most small
/// drones keep a radio link (fibre-optic FPVs do not); some Shahed variants and decoys
/// carry cellular modems; smuggling balloons carry GPS trackers with SIM cards and
/// meteorological radiosondes transmit telemetry all flight; birds never. Unknown: the
/// rate for a track of nothing in particular.
pub const RF_SEEN: [f64; Class::COUNT] = [0.8, 0.3, 0.001, 0.05, 0.5, 0.05];

/// Probability that an acoustic sensor hears a track of each class: engines and rotors
/// are loud; birds and balloons silent.
pub const SOUND_HEARD: [f64; Class::COUNT] = [0.7, 0.9, 0.01, 0.9, 0.01, 0.1];

/// Probability that a track of each class sends ADS-B: most manned aircraft; drones and
/// birds not.
pub const ADSB_SENT: [f64; Class::COUNT] = [0.002, 0.002, 0.0001, 0.9, 0.01, 0.01];

/// Probability that a track of each class broadcasts Remote ID.
pub const REMOTE_ID_SENT: [f64; Class::COUNT] = [0.5, 0.05, 0.0001, 0.001, 0.001, 0.01];

/// Log-density of a normal distribution.
pub fn normal_log_density(x: f64, mean: f64, var: f64) -> f64 {
    -0.5 * ((x - mean) * (x - mean) / var + (2.0 * std::f64::consts::PI * var).ln())
}

/// The sets of classes a sensor's class hint can name; hints are counted per set.
pub const HINT_SETS: [&[Class]; 6] = [
    &[Class::DroneRotary, Class::DroneFixedWing],
    &[Class::DroneRotary],
    &[Class::DroneFixedWing],
    &[Class::Bird],
    &[Class::Aircraft],
    &[Class::Balloon],
];

/// Which of [`HINT_SETS`] a sensor's class hint names, or `None` for a hint skyfence
/// does not know (ignored, not an error: vendors have their own words).
pub fn hint_set(hint: &str) -> Option<usize> {
    let h = hint.trim().to_ascii_lowercase();
    Some(match h.as_str() {
        "drone" | "uav" | "uas" | "suas" => 0,
        "drone_rotary" | "rotary" | "multirotor" | "quadcopter" | "fpv" => 1,
        "drone_fixed_wing" | "fixed_wing" | "shahed" | "geran" | "gerbera" | "decoy" => 2,
        "bird" | "birds" | "flock" => 3,
        "aircraft" | "manned" | "airplane" | "aeroplane" | "helicopter" | "glider" => 4,
        "balloon" => 5,
        _ => return None,
    })
}

/// The classes a sensor's class hint names (see [`hint_set`]).
pub fn hint_classes(hint: &str) -> Option<&'static [Class]> {
    hint_set(hint).map(|i| HINT_SETS[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The density with its two edge exponentials equals the textbook form (three
    /// exponentials) and stays a number far outside the band.
    #[test]
    fn soft_band_density_matches_its_definition() {
        let logistic = |z: f64| 1.0 / (1.0 + (-z).exp());
        let b = SoftBand::new(7.0, 18.0, 1.5);
        for i in -200..=400 {
            let x = f64::from(i) * 0.1;
            for sigma in [0.0, 0.5, 3.0] {
                let s_meas = sigma * 3f64.sqrt() / std::f64::consts::PI;
                let s = (1.5f64 * 1.5 + s_meas * s_meas).sqrt();
                let w = 11.0;
                let want = logistic((x - 7.0) / s) * logistic((18.0 - x) / s)
                    / (w / (1.0 - (-w / s).exp()));
                let got = b.density(x, sigma);
                assert!((got - want).abs() <= 1e-15 + 1e-12 * want, "{x} {sigma}");
            }
        }
        let sharp = SoftBand::new(0.0, 10.0, 0.001);
        for x in [-1e6, -5.0, 5.0, 1e6, f64::MAX, -f64::MAX] {
            let d = sharp.density(x, 0.0);
            assert!(d.is_finite() && d >= 0.0, "{x}: {d}");
        }
        assert!((sharp.density(5.0, 0.0) - 0.1).abs() < 1e-12);
        assert_eq!(sharp.density(-1e6, 0.0), 0.0);
    }

    #[test]
    fn soft_band_integrates_to_one() {
        for b in [
            SoftBand::new(0.0, 40.0, 4.0),
            SoftBand::new(5.0, 19.0, 2.5),
            SoftBand::new(0.0, 3.0, 1.5),
        ] {
            for sigma in [0.0, 2.0] {
                let (a, z, n) = (-100.0, 200.0, 300_000);
                let h = (z - a) / n as f64;
                let total: f64 = (0..n)
                    .map(|i| b.density(a + (i as f64 + 0.5) * h, sigma) * h)
                    .sum();
                assert_relative_eq!(total, 1.0, epsilon = 1e-6);
            }
        }
    }

    #[test]
    fn soft_band_by_hand() {
        // Inside a wide band the density is 1/w; at an edge it is half of that.
        let b = SoftBand::new(0.0, 100.0, 1.0);
        assert_relative_eq!(b.density(50.0, 0.0), 0.01, epsilon = 1e-9);
        assert_relative_eq!(b.density(100.0, 0.0), 0.005, epsilon = 1e-9);
        // Two scales out: logistic(-2) = 0.1192.
        assert_relative_eq!(b.density(102.0, 0.0), 0.01 * 0.119_202_922, epsilon = 1e-8);
    }

    #[test]
    fn half_normal_mixture_by_hand() {
        let m = HalfNormalMixture {
            common_weight: 0.5,
            common_sigma: 1.0,
            sigma: [2.0; Class::COUNT],
            range: 10.0,
        };
        // At 0: 0.5·sqrt(2/π)/1 + 0.5·sqrt(2/π)/2 = 0.75·0.797885, then the floor
        // (weight 0.1 over a range of 10) and the half weight of a motion term.
        let l = m.log_likelihood(0.0, 0.0);
        let p: f64 = 0.9 * 0.75 * 0.797_884_560_8 + 0.1 / 10.0;
        assert_relative_eq!(l[0], 0.5 * p.ln(), epsilon = 1e-9);
    }

    #[test]
    fn hints_map_to_classes() {
        assert_eq!(hint_classes("Drone").map(|c| c.len()), Some(2));
        assert_eq!(hint_classes("bird"), Some(&[Class::Bird][..]));
        assert_eq!(hint_classes("toaster"), None);
    }
}
