//! What each track is, and who vouches for it.
//!
//! Classification is a recursive Bayesian classifier over the classes of
//! [`model::Class`]. Each kind of evidence ([`model::Evidence`]) keeps sufficient
//! statistics that detections and motion samples update as they arrive (a faded mean
//! RCS, hint counts, the association weights of passive RF, acoustic and cooperative
//! detections, a window of filtered motion), and contributes one log-likelihood per
//! class; the posterior is the prior times all of them. Because every term is kept
//! apart, the output can say which evidence moved the class most.
//!
//! Evidence is weighed by association weight: a passive RF bearing that could belong to
//! any of four tracks along its line counts a quarter for each. Motion evidence is
//! judged on a window rather than multiplied sample by sample, since successive
//! filtered states are not independent observations.
//!
//! Identity ([`IdentityState`]) keeps the cooperative claims on a track (ADS-B, Remote
//! ID) apart from the independent sensors' support, so a claim nobody else sees can be
//! flagged as possibly spoofed.
//!
//! Pure: no IO, no clock; time is a parameter.
#![deny(missing_docs)]

mod classifier;
mod config;
mod identity;
pub mod likelihood;

pub use classifier::{ClassState, MotionSample, WINDOW_CAPACITY};
pub use config::{ClassifierConfig, Prior};
pub use identity::{CooperativeReport, IdentityState};
