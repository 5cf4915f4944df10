#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Framing and quality indicators with known answers; no input panics.

use adsb::fast::crc24;
use adsb::framing::{parse_avr, AvrError, BeastFramer};
use adsb::{Receiver, ReceiverConfig};
use proptest::prelude::*;

const POS_EVEN: &str = "8d40621d58c382d690c8ac2863a7";
const POS_ODD: &str = "8d40621d58c386435cc412692ad6";

#[test]
fn a_cut_beast_frame_is_skipped_and_the_next_one_kept() {
    let long = hex::decode(POS_EVEN).unwrap();
    let mut s = vec![0x1a, b'3', 0, 0, 0, 0, 0, 1, 9];
    s.extend_from_slice(&long[..5]); // cut short by the next frame
    s.extend_from_slice(&[0x1a, b'3', 0, 0, 0, 0, 0, 2, 9]);
    s.extend_from_slice(&long);
    s.extend_from_slice(&[0x1a, b'1', 0, 0, 0, 0, 0, 3, 9, 0x12, 0x34]); // Mode A/C
    s.extend_from_slice(&[0x1a, b'x', 7, 7]); // unknown type, noise
    let mut f = BeastFramer::new();
    let mut got = Vec::new();
    f.push(&s, |x| got.push(x));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mlat_ticks, 2);
    assert_eq!(got[0].data, long);
    let st = f.stats();
    assert_eq!(st.not_mode_s, 1);
    assert_eq!(st.bad_type, 1);
    assert_eq!(st.skipped_bytes, 7 + 5 + 2 + 1 + 2);
}

#[test]
fn avr_lines_with_and_without_time() {
    let (t, d) = parse_avr(&format!("*{POS_EVEN};\r\n")).unwrap();
    assert_eq!((t, d.len()), (None, 14));
    let (t, _) = parse_avr(&format!("@00000000a00b{POS_EVEN};")).unwrap();
    assert_eq!(t, Some(0xa00b));
    assert_eq!(parse_avr("*8d40;"), Err(AvrError::BadLength(2)));
    assert_eq!(parse_avr("*zz;"), Err(AvrError::BadHex));
    assert_eq!(parse_avr("8d40621d"), Err(AvrError::NotAvr));
}

#[test]
fn an_even_odd_pair_gives_the_textbook_position_and_sigma_from_nic() {
    // The worked example of "The 1090 MHz Riddle" (Sun, 2021), section on airborne
    // position: with the even frame the newer, the pair decodes to 52.2572 N,
    // 3.9194 E at 38,000 ft.
    let mut rx = Receiver::new(ReceiverConfig::default());
    let a = rx.hear(0.0, &hex::decode(POS_ODD).unwrap()).unwrap();
    assert!(
        a.detection.is_none(),
        "one frame without a reference cannot be decoded"
    );
    let b = rx.hear(1.0, &hex::decode(POS_EVEN).unwrap()).unwrap();
    let d = b.detection.unwrap();
    assert!((d.lat_deg - 52.2572).abs() < 1e-3, "{}", d.lat_deg);
    assert!((d.lon_deg - 3.9194).abs() < 1e-3, "{}", d.lon_deg);
    assert_eq!(d.alt_m, Some(38_000.0 * 0.3048));
    assert_eq!(d.icao24, "40621d");
    // Type code 11 without supplements: NIC 8, containment radius 0.1 NM; no NACp
    // heard, so sigma is that radius / 2.45.
    assert_eq!(d.nic, 8);
    assert_eq!(d.nac_p, None);
    assert!((d.sigma_m - 185.2 / 2.45).abs() < 1e-9);
    let s = rx.stats();
    assert_eq!(
        (s.positions, s.unresolved_positions, s.detections),
        (2, 1, 1)
    );
}

#[test]
fn bad_frames_are_refused_with_a_reason() {
    let mut rx = Receiver::new(ReceiverConfig::default());
    assert!(rx.hear(0.0, &[0x8d, 1, 2]).is_err());
    // A DF17 frame with one bit flipped fails its CRC.
    let mut f = hex::decode(POS_EVEN).unwrap();
    f[6] ^= 0x10;
    assert!(rx.hear(0.0, &f).is_err());
    assert_eq!(rx.stats().rejected, 2);
}

proptest! {
    #[test]
    fn no_bytes_make_the_framer_or_decoder_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut f = BeastFramer::new();
        let mut rx = Receiver::new(ReceiverConfig { reference: Some((50.0, 20.0)), ..Default::default() });
        let mut frames = Vec::new();
        f.push(&bytes, |x| frames.push(x));
        for fr in frames {
            let _ = rx.hear(0.0, &fr.data);
        }
        for chunk in bytes.chunks(14) {
            let _ = rx.hear(1.0, chunk);
        }
        let _ = parse_avr(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_df17_bodies_with_a_valid_crc_never_panic(me in proptest::collection::vec(any::<u8>(), 7), icao in any::<[u8; 3]>(), df in prop_oneof![Just(0x8du8), Just(0x90u8)]) {
        let mut f = vec![df, icao[0], icao[1], icao[2]];
        f.extend_from_slice(&me);
        f.extend_from_slice(&crc24(&f).to_be_bytes()[1..]);
        let mut rx = Receiver::new(ReceiverConfig { reference: Some((50.0, 20.0)), ..Default::default() });
        let _ = rx.hear(0.0, &f);
        let _ = rx.hear(0.5, &f);
    }
}

fn with_crc(mut f: Vec<u8>) -> Vec<u8> {
    let c = crc24(&f);
    f.extend_from_slice(&c.to_be_bytes()[1..]);
    f
}

#[test]
fn operational_status_sets_nacp_and_sil_which_set_sigma() {
    // DF17, ICAO 40621d, TC 31 subtype 0, version 2 (ME bits 41-43 = 010), NIC
    // supplement A 0, NACp 9 (EPU < 30 m), SIL 3.
    let me = [0xf8, 0, 0, 0, 0, 0b0100_1001, 0b0011_0000];
    let mut f = vec![0x8d, 0x40, 0x62, 0x1d];
    f.extend_from_slice(&me);
    let status = with_crc(f);
    for fast in [false, true] {
        let mut rx = Receiver::new(ReceiverConfig::default());
        let mut hear = |t: f64, f: &[u8]| {
            if fast {
                rx.hear_fast(t, f).unwrap()
            } else {
                rx.hear(t, f).unwrap().detection
            }
        };
        hear(0.0, &status);
        hear(0.5, &hex::decode(POS_ODD).unwrap());
        let d = hear(1.0, &hex::decode(POS_EVEN).unwrap()).unwrap();
        assert_eq!((d.nac_p, d.sil), (Some(9), Some(3)));
        assert!((d.sigma_m - 30.0 / 2.45).abs() < 1e-12);
    }
}

proptest! {
    // The two paths must agree on every frame; many cases, since a disagreement is a
    // rule of rs1090's that the fast path does not mirror.
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn both_paths_agree_on_random_valid_squitters(
        msgs in proptest::collection::vec((0u8..32, proptest::collection::vec(any::<u8>(), 6), 0u8..3), 1..40),
    ) {
        let mut full = Receiver::new(ReceiverConfig { reference: Some((52.0, 4.0)), ..Default::default() });
        let mut fast = Receiver::new(ReceiverConfig { reference: Some((52.0, 4.0)), ..Default::default() });
        for (i, (tc, rest, who)) in msgs.iter().enumerate() {
            let mut f = vec![0x8d, 0x40, 0x62, 0x1d + who];
            f.push(tc << 3 | (rest[0] & 7));
            f.extend_from_slice(&rest[..6]);
            let f = with_crc(f);
            let t = i as f64 * 0.5;
            let a = full.hear(t, &f).ok().and_then(|h| h.detection);
            let b = fast.hear_fast(t, &f).ok().flatten();
            prop_assert_eq!(a, b);
        }
    }
}
