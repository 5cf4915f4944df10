#![allow(clippy::unwrap_used, clippy::expect_used)]
//! CAT048/034 records built by hand from the item definitions, with known values;
//! malformed input refused with a reason; no input panics; CAT062 blocks well framed.

use asterix::cat062::{encode_blocks, Source, SystemTrack, MAX_BLOCK_BYTES};
use asterix::{blocks, decode_block, AsterixError, Receiver, ReceiverConfig, Record};
use proptest::prelude::*;

/// A CAT048 record: SAC 12 SIC 34; time 3600.5 s (460,864/128); TYP 5 (Mode S
/// roll-call) with an extension (TST clear); RHO 100.5 NM (25,728/256), THETA 90
/// degrees (16,384); Mode 3/A 7700 octal; FL 350.25 (1,401 quarters); address
/// 4840D6; callsign KLM1023 in 6-bit code; track 1234; X -10, Y 20.5 NM (128ths);
/// 450 kt (0.125 NM/s = 2,048 x 2^-14) heading 180; 3D height 35,000 ft (1,400 x 25).
fn record() -> Vec<u8> {
    let mut r = Vec::new();
    // FRNs 1,2,3,4,5,6 | 8,9,11,12,13 | 19.
    r.extend_from_slice(&[0b1111_1101, 0b1101_1101, 0b0000_1000]);
    r.extend_from_slice(&[12, 34]);
    r.extend_from_slice(&[0x07, 0x08, 0x40]); // 460,864
    r.extend_from_slice(&[(5 << 5) | 1, 0x00]);
    r.extend_from_slice(&25_728u16.to_be_bytes());
    r.extend_from_slice(&16_384u16.to_be_bytes());
    r.extend_from_slice(&0o7700u16.to_be_bytes());
    r.extend_from_slice(&1_401u16.to_be_bytes());
    r.extend_from_slice(&[0x48, 0x40, 0xd6]);
    // "KLM1023 " : K=11 L=12 M=13 1=49 0=48 2=50 3=51 space=32.
    let chars = [11u64, 12, 13, 49, 48, 50, 51, 32];
    let bits = chars.iter().fold(0u64, |a, &c| a << 6 | c);
    r.extend_from_slice(&bits.to_be_bytes()[2..]);
    r.extend_from_slice(&1_234u16.to_be_bytes());
    r.extend_from_slice(&(-1_280i16).to_be_bytes());
    r.extend_from_slice(&2_624i16.to_be_bytes());
    r.extend_from_slice(&2_048u16.to_be_bytes());
    r.extend_from_slice(&32_768u16.to_be_bytes());
    r.extend_from_slice(&1_400u16.to_be_bytes());
    r
}

fn block(cat: u8, records: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = records.concat();
    let mut b = vec![cat];
    b.extend_from_slice(&((body.len() + 3) as u16).to_be_bytes());
    b.extend_from_slice(&body);
    b
}

#[test]
fn a_hand_built_cat048_record_decodes_to_its_values() {
    let bytes = block(48, &[record(), record()]);
    let (bl, err) = blocks(&bytes);
    assert!(err.is_none());
    let d = decode_block(&bl[0]);
    assert!(d.error.is_none(), "{:?}", d.error);
    assert_eq!(d.records.len(), 2);
    let Record::Cat048(p) = &d.records[0] else {
        panic!()
    };
    assert_eq!((p.sac, p.sic), (12, 34));
    assert_eq!(p.time_of_day_s, Some(3600.5));
    assert_eq!((p.typ, p.test), (Some(5), Some(false)));
    assert_eq!(p.rho_nm, Some(100.5));
    assert_eq!(p.theta_deg, Some(90.0));
    assert_eq!(p.mode3a.as_deref(), Some("7700"));
    assert_eq!(p.flight_level, Some(350.25));
    assert_eq!(p.aircraft_address.as_deref(), Some("4840d6"));
    assert_eq!(p.aircraft_id.as_deref(), Some("KLM1023"));
    assert_eq!(p.track_number, Some(1234));
    assert_eq!((p.x_nm, p.y_nm), (Some(-10.0), Some(20.5)));
    assert_eq!(p.ground_speed_kt, Some(450.0));
    assert_eq!(p.heading_deg, Some(180.0));
    assert_eq!(p.height_3d_ft, Some(35_000.0));
}

#[test]
fn a_plot_becomes_a_polar_detection_dated_by_the_reference() {
    let mut rx = Receiver::new(ReceiverConfig::default());
    let mut dets = Vec::new();
    // Received at 2026-11-27 00:59:00 UTC; the plot's 01:00:00.5 is the same day.
    let errs = rx.read(&block(48, &[record()]), Some(1_795_741_140.0), |_, d| {
        dets.extend(d.cloned())
    });
    assert!(errs.is_empty());
    let d = &dets[0];
    assert_eq!(d.time_s, 1_795_737_600.0 + 3600.5);
    assert_eq!(d.sensor, "asterix-12-34");
    assert!((d.range_m - 100.5 * 1852.0).abs() < 1e-9);
    assert_eq!(d.azimuth_deg, 90.0);
    // No radar position known: no elevation.
    assert_eq!(d.elevation_deg, None);
    assert_eq!(d.id.as_deref(), Some("4840d6"));
    assert_eq!(d.squawk.as_deref(), Some("7700"));
    // Just after midnight, a plot of 23:59:59 belongs to the day before.
    assert_eq!(
        asterix::time_on_day(86_399.0, 1_795_737_601.0),
        1_795_737_600.0 - 1.0
    );
}

#[test]
fn malformed_input_is_refused_with_a_reason_and_earlier_records_kept() {
    // A record cut inside I048/040: the first record survives.
    let mut cut = record();
    cut.truncate(12);
    let bytes = block(48, &[record(), cut]);
    let d = decode_block(&blocks(&bytes).0[0]);
    assert_eq!(d.records.len(), 1);
    assert!(
        matches!(d.error, Some(AsterixError::TruncatedRecord { cat: 48, .. })),
        "{:?}",
        d.error
    );
    // LEN past the end of the data.
    let mut b = block(48, &[record()]);
    b.truncate(b.len() - 1);
    assert!(matches!(
        blocks(&b).1,
        Some(AsterixError::TruncatedBlock(_))
    ));
    // LEN below the header.
    assert_eq!(blocks(&[48, 0, 2]).1, Some(AsterixError::BadBlockLength(2)));
    // An FSPEC running on past CAT048's 28 items.
    let d = decode_block(&blocks(&block(48, &[vec![0xff, 0xff, 0xff, 0xff, 0xff]])).0[0]);
    assert!(
        matches!(d.error, Some(AsterixError::FspecTooLong { .. })),
        "{:?}",
        d.error
    );
    // An unknown category is skipped whole and counted.
    let mut rx = Receiver::new(ReceiverConfig::default());
    rx.read(&block(21, &[vec![0x80, 1, 2]]), None, |_, _| {});
    assert_eq!(rx.stats().unsupported_blocks, 1);
}

#[test]
fn cat034_north_marker_with_position() {
    // FRNs 1,2,3,5 | 11: SAC/SIC 1/2, north marker, time 10 s, period 4.5 s (576),
    // position 100 m, 45 N (2^21 = 45 x 2^23 / 180), 22.5 E (2^20).
    let mut r = vec![0b1110_1001, 0b0001_0000, 1, 2, 1, 0, 5, 0];
    r.extend_from_slice(&576u16.to_be_bytes());
    r.extend_from_slice(&100i16.to_be_bytes());
    r.extend_from_slice(&(1u32 << 21).to_be_bytes()[1..]);
    r.extend_from_slice(&(1u32 << 20).to_be_bytes()[1..]);
    let d = decode_block(&blocks(&block(34, &[r])).0[0]);
    let Record::Cat034(m) = &d.records[0] else {
        panic!("{:?}", d)
    };
    assert_eq!(m.message_type, Some(1));
    assert_eq!(m.time_of_day_s, Some(10.0));
    assert_eq!(m.antenna_rotation_period_s, Some(4.5));
    assert_eq!(m.source_height_m, Some(100.0));
    assert_eq!(m.source_lat_deg, Some(45.0));
    assert_eq!(m.source_lon_deg, Some(22.5));
}

#[test]
fn cat062_blocks_stay_under_the_datagram_limit_and_frame_their_records() {
    let src = Source {
        sac: 1,
        sic: 2,
        service: 3,
    };
    let tracks: Vec<SystemTrack> = (0..200)
        .map(|i| SystemTrack {
            time_of_day_s: 100.0,
            track_number: i,
            lat_deg: 54.0,
            lon_deg: 24.0,
            callsign: Some("SKY1".into()),
            address: Some(0xabcdef),
            alt_m: Some(1000.0),
            vz_mps: Some(-2.0),
            sigma_xy_m: Some([10.0, 12.0]),
            sigma_v_mps: Some([1.0, 1.5]),
            coasting: i % 2 == 0,
            ..Default::default()
        })
        .collect();
    let blocks_out = encode_blocks(&src, &tracks);
    assert!(blocks_out.len() > 1);
    for b in &blocks_out {
        assert!(b.len() <= MAX_BLOCK_BYTES);
        assert_eq!(b[0], 62);
        assert_eq!(usize::from(u16::from_be_bytes([b[1], b[2]])), b.len());
    }
}

proptest! {
    #[test]
    fn no_bytes_make_the_decoder_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut rx = Receiver::new(ReceiverConfig::default());
        rx.read(&bytes, Some(1.0e9), |_, _| {});
        for cat in [34u8, 48] {
            let mut b = vec![cat];
            b.extend_from_slice(&((bytes.len() + 3).min(65_535) as u16).to_be_bytes());
            b.extend_from_slice(&bytes);
            rx.read(&b, None, |_, _| {});
        }
    }

    #[test]
    fn any_prefix_of_a_good_record_is_refused_not_misread(cut in 1usize..60) {
        let r = record();
        let cut = cut.min(r.len() - 1);
        let d = decode_block(&blocks(&block(48, &[r[..cut].to_vec()])).0[0]);
        prop_assert!(d.records.is_empty());
        prop_assert!(d.error.is_some());
    }
}
