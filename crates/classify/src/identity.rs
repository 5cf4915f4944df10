use crate::ClassifierConfig;
use model::{Class, Identity, IdentitySource, TrackFlags};

/// One cooperative identity a track has been given by reports.
#[derive(Debug, Clone, PartialEq)]
struct Claim {
    id: String,
    source: IdentitySource,
    /// Sum of the association weights of its reports, faded with
    /// [`CLAIM_MEMORY_S`] so that a track which swapped objects takes on the
    /// identity its reports now carry.
    weight: f64,
    last_s: f64,
    callsign: Option<String>,
    operator_deg: Option<[f64; 2]>,
}

/// Time constant of a claim's weight, s.
const CLAIM_MEMORY_S: f64 = 20.0;

/// Most claims a track remembers; a track that collects more is confused anyway.
const MAX_CLAIMS: usize = 4;

/// Who vouches for a track: cooperative claims (ADS-B, Remote ID) on one side,
/// independent sensors (radar, EO/IR, passive RF, acoustic) on the other. A claim that
/// independent sensors covering the position keep missing is possibly spoofed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdentityState {
    claims: Vec<Claim>,
    last_independent_s: Option<f64>,
    /// Scans in a row, since the last independent detection, of independent sensors
    /// that cover the track and did not see it.
    independent_misses: u32,
}

/// A cooperative report's content.
#[derive(Debug, Clone, Copy)]
pub struct CooperativeReport<'a> {
    /// Which system.
    pub source: IdentitySource,
    /// ICAO address or Remote ID serial.
    pub id: &'a str,
    /// ADS-B callsign.
    pub callsign: Option<&'a str>,
    /// Remote ID operator position, degrees.
    pub operator_deg: Option<[f64; 2]>,
}

impl IdentityState {
    /// A track nobody vouches for yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A cooperative report updated the track at `t` with association weight `weight`.
    pub fn observe_cooperative(&mut self, t: f64, r: CooperativeReport<'_>, weight: f64) {
        let id = r.id.trim();
        if id.is_empty() || !(weight > 0.0) {
            return;
        }
        let pos = self
            .claims
            .iter()
            .position(|c| c.source == r.source && c.id.eq_ignore_ascii_case(id));
        let claim = match pos {
            Some(i) => &mut self.claims[i],
            None => {
                if self.claims.len() >= MAX_CLAIMS {
                    // Forget the stalest claim.
                    if let Some(k) = (0..self.claims.len())
                        .min_by(|&a, &b| self.claims[a].last_s.total_cmp(&self.claims[b].last_s))
                    {
                        self.claims.swap_remove(k);
                    }
                }
                self.claims.push(Claim {
                    id: id.to_owned(),
                    source: r.source,
                    weight: 0.0,
                    last_s: t,
                    callsign: None,
                    operator_deg: None,
                });
                let n = self.claims.len() - 1;
                &mut self.claims[n]
            }
        };
        let dt = (t - claim.last_s).max(0.0);
        claim.weight = claim.weight * (-dt / CLAIM_MEMORY_S).exp() + weight.min(1.0);
        claim.last_s = claim.last_s.max(t);
        if let Some(cs) = r.callsign.map(str::trim).filter(|c| !c.is_empty()) {
            claim.callsign = Some(cs.to_owned());
        }
        if let Some(op) = r.operator_deg.filter(|o| o.iter().all(|v| v.is_finite())) {
            claim.operator_deg = Some(op);
        }
    }

    /// An independent sensor's detection updated the track at `t`.
    pub fn observe_independent(&mut self, t: f64) {
        self.last_independent_s = Some(self.last_independent_s.map_or(t, |l| l.max(t)));
        self.independent_misses = 0;
    }

    /// An independent sensor that covers the track's position scanned and did not see
    /// it.
    pub fn independent_miss(&mut self) {
        self.independent_misses = self.independent_misses.saturating_add(1);
    }

    fn current(&self, cfg: &ClassifierConfig, t: f64) -> Option<&Claim> {
        let faded = |c: &Claim| c.weight * (-(t - c.last_s).max(0.0) / CLAIM_MEMORY_S).exp();
        self.claims
            .iter()
            .filter(|c| t - c.last_s <= cfg.identity_timeout_s)
            .max_by(|a, b| {
                faded(a)
                    .total_cmp(&faded(b))
                    .then(a.last_s.total_cmp(&b.last_s))
            })
    }

    /// Whether a cooperative report is currently claimed for the track.
    pub fn is_claimed(&self, cfg: &ClassifierConfig, t: f64) -> bool {
        self.current(cfg, t).is_some()
    }

    /// The identity the track carries at `t`, if a recent report vouches for it.
    pub fn identity(&self, cfg: &ClassifierConfig, t: f64) -> Option<Identity> {
        self.current(cfg, t).map(|c| Identity {
            id: c.id.clone(),
            source: c.source,
            callsign: c.callsign.clone(),
            operator_deg: c.operator_deg,
        })
    }

    /// An identity established by at least two recent reports (association favours
    /// its reports on this track).
    pub fn established(&self, cfg: &ClassifierConfig, t: f64) -> Option<(IdentitySource, &str)> {
        self.current(cfg, t)
            .filter(|c| c.weight >= 1.5)
            .map(|c| (c.source, c.id.as_str()))
    }

    /// Whether an independent sensor has ever updated the track.
    pub fn independently_seen(&self) -> bool {
        self.last_independent_s.is_some()
    }

    /// The track's own flags at `t` (identity conflicts between tracks are the
    /// tracker's to add).
    pub fn flags(&self, cfg: &ClassifierConfig, t: f64, class: Class) -> TrackFlags {
        let mut f = TrackFlags::NONE;
        match self.current(cfg, t) {
            Some(_) => {
                if self.independent_misses >= cfg.spoof_missed_scans {
                    f.insert(TrackFlags::POSSIBLY_SPOOFED);
                } else if self.last_independent_s.is_none() {
                    f.insert(TrackFlags::COOPERATIVE_ONLY);
                }
            }
            None => {
                if !self.claims.is_empty() {
                    f.insert(TrackFlags::COOPERATIVE_LOST);
                }
                if class == Class::Aircraft {
                    f.insert(TrackFlags::NON_COOPERATIVE);
                }
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adsb(id: &str) -> CooperativeReport<'_> {
        CooperativeReport {
            source: IdentitySource::Adsb,
            id,
            callsign: Some("LOT123"),
            operator_deg: None,
        }
    }

    #[test]
    fn claim_then_timeout_then_lost() {
        let cfg = ClassifierConfig::default();
        let mut s = IdentityState::new();
        s.observe_independent(0.0);
        s.observe_cooperative(1.0, adsb("48AD12"), 1.0);
        let id = s.identity(&cfg, 2.0).map(|i| (i.id, i.callsign));
        assert_eq!(id, Some(("48AD12".into(), Some("LOT123".into()))));
        assert!(s.flags(&cfg, 2.0, Class::Aircraft).is_empty());
        // One report does not establish an identity for gating; two do.
        assert!(s.established(&cfg, 2.0).is_none());
        s.observe_cooperative(2.0, adsb("48ad12"), 1.0);
        assert_eq!(
            s.established(&cfg, 2.0),
            Some((IdentitySource::Adsb, "48AD12"))
        );
        // Reports stop: after the timeout the identity is gone, the aircraft is dark.
        let later = 2.0 + cfg.identity_timeout_s + 0.1;
        assert!(s.identity(&cfg, later).is_none());
        let f = s.flags(&cfg, later, Class::Aircraft);
        assert!(f.contains(TrackFlags::COOPERATIVE_LOST));
        assert!(f.contains(TrackFlags::NON_COOPERATIVE));
    }

    #[test]
    fn unseen_claim_is_flagged_after_misses() {
        let cfg = ClassifierConfig::default();
        let mut s = IdentityState::new();
        s.observe_cooperative(0.0, adsb("ABCDEF"), 1.0);
        assert!(s
            .flags(&cfg, 0.0, Class::Aircraft)
            .contains(TrackFlags::COOPERATIVE_ONLY));
        for _ in 0..cfg.spoof_missed_scans - 1 {
            s.independent_miss();
        }
        assert!(!s
            .flags(&cfg, 0.0, Class::Aircraft)
            .contains(TrackFlags::POSSIBLY_SPOOFED));
        s.independent_miss();
        assert!(s
            .flags(&cfg, 0.0, Class::Aircraft)
            .contains(TrackFlags::POSSIBLY_SPOOFED));
        // A radar hit clears it.
        s.observe_independent(1.0);
        assert!(s.flags(&cfg, 1.0, Class::Aircraft).is_empty());
    }

    #[test]
    fn no_report_manned_aircraft_is_non_cooperative() {
        let cfg = ClassifierConfig::default();
        let s = IdentityState::new();
        assert_eq!(
            s.flags(&cfg, 0.0, Class::Aircraft),
            TrackFlags::NON_COOPERATIVE
        );
        assert!(s.flags(&cfg, 0.0, Class::Bird).is_empty());
    }
}
