#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The sensors a track remembers: most recent first, each once, the longest silent
//! dropped when full.

use model::{SeenBy, SensorIndex};

fn names(s: &SeenBy) -> Vec<(u32, f64)> {
    s.iter().map(|(i, t)| (i.0, t)).collect()
}

#[test]
fn the_most_recent_sensor_comes_first_and_each_appears_once() {
    let mut s = SeenBy::default();
    assert_eq!(names(&s), vec![]);
    s.record(SensorIndex(3), 1.0);
    s.record(SensorIndex(5), 2.0);
    s.record(SensorIndex(3), 3.0);
    assert_eq!(names(&s), vec![(3, 3.0), (5, 2.0)]);
    for k in 0..SeenBy::CAPACITY as u32 {
        s.record(SensorIndex(10 + k), 4.0 + f64::from(k));
    }
    // Full: sensors 3 and 5, the longest silent, were dropped.
    let got = names(&s);
    assert_eq!(got.len(), SeenBy::CAPACITY);
    assert_eq!(
        got[0],
        (
            10 + SeenBy::CAPACITY as u32 - 1,
            3.0 + SeenBy::CAPACITY as f64
        )
    );
    assert!(got.iter().all(|(i, _)| *i >= 10));
}

proptest::proptest! {
    #[test]
    fn seen_by_is_a_bounded_most_recent_first_set(seq in proptest::collection::vec(0u32..10, 0..60)) {
        let mut s = SeenBy::default();
        for (k, &i) in seq.iter().enumerate() {
            s.record(SensorIndex(i), k as f64);
        }
        let got = names(&s);
        // What it should hold: the distinct sensors by their latest time, newest first.
        let mut latest: Vec<(u32, f64)> = Vec::new();
        for (k, &i) in seq.iter().enumerate().rev() {
            if !latest.iter().any(|(j, _)| *j == i) {
                latest.push((i, k as f64));
            }
        }
        latest.truncate(SeenBy::CAPACITY);
        proptest::prop_assert_eq!(got, latest);
    }
}
