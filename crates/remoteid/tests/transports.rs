#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hand-built frames with known contents, for the message fields and the transports
//! the real capture does not cover (Bluetooth, Wi-Fi NaN, Message Packs with bad
//! members), and a property test that no input panics.

use proptest::prelude::*;
use remoteid::message::{decode_message, decode_payload, HeightType, Message, MessageError};
use remoteid::transport::{from_80211, from_ble_ll, from_hci_event, from_packet, Transport};
use remoteid::{Receiver, ReceiverConfig};

/// A Location message built field by field from F3411-22a's table: airborne, height
/// above ground, direction 270 (90 + the east/west bit), speed 100 x 0.75 + 63.75 =
/// 138.75 m/s, climb -5 m/s, 52.2296756 N 21.0122287 E, pressure altitude 120 m,
/// geodetic 150 m, height 50 m, accuracies <10 m / <10 m / <25 m / <3 m/s, 1234.5 s
/// after the hour, timestamp accuracy 0.2 s.
fn location() -> [u8; 25] {
    let mut m = [0u8; 25];
    m[0] = 0x12; // type 1, version 2
    m[1] = 0x20 | 0x04 | 0x02 | 0x01;
    m[2] = 90;
    m[3] = 100;
    m[4] = (-10i8) as u8;
    m[5..9].copy_from_slice(&522_296_756i32.to_le_bytes());
    m[9..13].copy_from_slice(&210_122_287i32.to_le_bytes());
    m[13..15].copy_from_slice(&2240u16.to_le_bytes());
    m[15..17].copy_from_slice(&2300u16.to_le_bytes());
    m[17..19].copy_from_slice(&2100u16.to_le_bytes());
    m[19] = 0x4a;
    m[20] = 0x32;
    m[21..23].copy_from_slice(&12345u16.to_le_bytes());
    m[23] = 0x02;
    m
}

fn basic_id(serial: &str) -> [u8; 25] {
    let mut m = [0u8; 25];
    m[0] = 0x02;
    m[1] = 0x12; // serial number, helicopter or multirotor
    m[2..2 + serial.len()].copy_from_slice(serial.as_bytes());
    m
}

fn system(lat: f64, lon: f64) -> [u8; 25] {
    let mut m = [0u8; 25];
    m[0] = 0x42;
    m[1] = 0x05; // EU classification, live GNSS
    m[2..6].copy_from_slice(&((lat * 1e7).round() as i32).to_le_bytes());
    m[6..10].copy_from_slice(&((lon * 1e7).round() as i32).to_le_bytes());
    m[12] = 5;
    m[17] = 0x12;
    m[20..24].copy_from_slice(&100u32.to_le_bytes());
    m
}

fn pack(msgs: &[[u8; 25]]) -> Vec<u8> {
    let mut p = vec![0xf2, 25, msgs.len() as u8];
    for m in msgs {
        p.extend_from_slice(m);
    }
    p
}

#[test]
fn a_location_message_decodes_to_its_hand_encoded_fields() {
    let Message::Location(l) = decode_message(&location()).unwrap() else {
        panic!("not a location")
    };
    assert_eq!(l.proto_version, 2);
    assert_eq!(l.status, 2);
    assert_eq!(l.height_type, HeightType::AboveGround);
    assert_eq!(l.direction_deg, Some(270.0));
    assert_eq!(l.speed_h_mps, Some(138.75));
    assert_eq!(l.speed_v_mps, Some(-5.0));
    assert_eq!(l.lat, Some(52.2296756));
    assert_eq!(l.lon, Some(21.0122287));
    assert_eq!(l.alt_baro_m, Some(120.0));
    assert_eq!(l.alt_geo_m, Some(150.0));
    assert_eq!(l.height_m, Some(50.0));
    assert_eq!(
        (l.horiz_acc, l.vert_acc, l.baro_acc, l.speed_acc),
        (10, 4, 3, 2)
    );
    assert_eq!(l.timestamp_s_since_hour, Some(1234.5));
    assert_eq!(l.ts_acc_s, Some(0.2));
}

#[test]
fn unknown_values_decode_to_none_not_to_sentinels() {
    let mut m = [0u8; 25];
    m[0] = 0x10;
    m[1] = 0x03; // east/west and multiplier bits set
    m[2] = 181; // 361 degrees: unknown
    m[3] = 255; // unknown speed with the multiplier
    m[4] = 126; // 63 m/s: unknown
    m[21..23].copy_from_slice(&0xffffu16.to_le_bytes());
    let Message::Location(l) = decode_message(&m).unwrap() else {
        panic!()
    };
    assert_eq!(l.direction_deg, None);
    assert_eq!(l.speed_h_mps, None);
    assert_eq!(l.speed_v_mps, None);
    assert_eq!(
        (l.lat, l.lon, l.alt_geo_m, l.height_m),
        (None, None, None, None)
    );
    assert_eq!(l.timestamp_s_since_hour, None);
}

#[test]
fn bad_messages_and_packs_are_refused_with_a_reason() {
    assert_eq!(decode_message(&[0x10; 10]), Err(MessageError::Short(10)));
    let mut reserved = [0u8; 25];
    reserved[0] = 0x70;
    assert_eq!(
        decode_message(&reserved),
        Err(MessageError::ReservedType(7))
    );
    // A pack announcing 3 messages but carrying 2.
    let mut p = pack(&[location(), basic_id("X")]);
    p[2] = 3;
    assert!(matches!(decode_payload(&p), Err(MessageError::BadPack(_))));
    // One bad member does not lose the others.
    let (ok, bad) = decode_payload(&pack(&[location(), reserved, basic_id("X")])).unwrap();
    assert_eq!((ok.len(), bad.len()), (2, 1));
}

fn ble_adv(tx: [u8; 6], counter: u8, body: &[u8], extended: bool) -> Vec<u8> {
    let mut ad = vec![(5 + body.len()) as u8, 0x16, 0xfa, 0xff, 0x0d, counter];
    ad.extend_from_slice(body);
    let mut addr = tx;
    addr.reverse();
    let mut pdu = Vec::new();
    if extended {
        // Extended header: length 7 (flags + AdvA), AdvA present.
        pdu.push(7);
        pdu.push(0x01);
        pdu.extend_from_slice(&addr);
    } else {
        pdu.extend_from_slice(&addr);
    }
    pdu.extend_from_slice(&ad);
    let mut p = vec![
        0xd6,
        0xbe,
        0x89,
        0x8e,
        if extended { 0x07 } else { 0x02 },
        pdu.len() as u8,
    ];
    p.extend_from_slice(&pdu);
    p.extend_from_slice(&[0, 0, 0]); // CRC
    p
}

#[test]
fn bluetooth_legacy_and_long_range_advertisements_become_detections_with_identity() {
    let tx = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
    let mut rx = Receiver::new(ReceiverConfig::default());
    // Legacy: one message per advertisement; the Basic ID comes first.
    let id_pkt = ble_adv(tx, 1, &basic_id("1581F5FKD229400A"), false);
    let p = from_ble_ll(&id_pkt);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].transport, Transport::BluetoothLegacy);
    assert_eq!(p[0].tx_mac, Some(tx));
    assert!(rx.hear(1.0, &p[0], None).detections.is_empty());
    let sys_pkt = ble_adv(tx, 2, &system(52.2, 21.0), false);
    rx.hear(1.1, &from_ble_ll(&sys_pkt)[0], None);
    let loc_pkt = ble_adv(tx, 3, &location(), false);
    let d = rx.hear(1.2, &from_ble_ll(&loc_pkt)[0], None).detections;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].id.as_deref(), Some("1581F5FKD229400A"));
    assert_eq!(d[0].class, Some("drone_rotary"));
    assert_eq!(d[0].operator, Some((52.2, 21.0)));
    assert_eq!(d[0].alt_m, Some(150.0));
    // Horizontal accuracy code 10 is a 10 m 95% radius: sigma 10 / 2.45.
    assert!((d[0].sigma_m - 10.0 / 2.45).abs() < 1e-12);
    // Long range: a Message Pack in an extended advertisement, from another drone.
    let tx2 = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01];
    let lr = ble_adv(tx2, 9, &pack(&[basic_id("SECOND"), location()]), true);
    let p = from_ble_ll(&lr);
    assert_eq!(p[0].transport, Transport::BluetoothLongRange);
    let d = rx.hear(2.0, &p[0], None).detections;
    assert_eq!(d[0].id.as_deref(), Some("SECOND"));
    // With the 10-byte pseudo-header as captured by nRF sniffers.
    let mut phdr = vec![0u8; 10];
    phdr.extend_from_slice(&loc_pkt);
    assert_eq!(
        from_packet(capture::linktype::BLUETOOTH_LE_LL_WITH_PHDR, &phdr).len(),
        1
    );
}

#[test]
fn an_hci_advertising_report_carries_the_payload() {
    let tx = [1, 2, 3, 4, 5, 6];
    let mut ad = vec![30u8, 0x16, 0xfa, 0xff, 0x0d, 7];
    ad.extend_from_slice(&location());
    let mut params = vec![0x02, 1, 0x03, 0x00];
    params.extend(tx.iter().rev());
    params.push(ad.len() as u8);
    params.extend_from_slice(&ad);
    params.push(0xc8); // RSSI
    let mut ev = vec![0x3e, params.len() as u8];
    ev.extend_from_slice(&params);
    let p = from_hci_event(&ev);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].tx_mac, Some(tx));
    assert_eq!(p[0].counter, Some(7));
    let mut h4 = vec![0, 0, 0, 1, 4];
    h4.extend_from_slice(&ev);
    assert_eq!(
        from_packet(capture::linktype::BLUETOOTH_HCI_H4_WITH_PHDR, &h4).len(),
        1
    );
}

#[test]
fn a_wifi_nan_service_discovery_frame_carries_a_pack() {
    let tx = [0x90, 0x3a, 0xe6, 0, 0, 1];
    let mut f = vec![0xd0, 0x00, 0, 0];
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&tx);
    f.extend_from_slice(&[0x51, 0x6f, 0x9a, 0x01, 0x00, 0x00]);
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&[0x04, 0x09, 0x50, 0x6f, 0x9a, 0x13]);
    let body = pack(&[basic_id("NAN1"), location()]);
    // Service descriptor: service ID, instance 1, requestor 0, control with a
    // 2-byte matching filter and service info.
    let mut sda = vec![
        0x88,
        0x69,
        0x19,
        0x9d,
        0x92,
        0x09,
        1,
        0,
        0x08 | 0x20,
        2,
        0xab,
        0xcd,
    ];
    sda.push((body.len() + 1) as u8);
    sda.push(42);
    sda.extend_from_slice(&body);
    f.push(0x03);
    f.extend_from_slice(&(sda.len() as u16).to_le_bytes());
    f.extend_from_slice(&sda);
    let p = from_80211(&f);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].transport, Transport::WifiNan);
    assert_eq!(p[0].counter, Some(42));
    let mut rx = Receiver::new(ReceiverConfig::default());
    let heard = rx.hear(0.0, &p[0], None);
    assert_eq!(heard.messages.len(), 2);
    assert_eq!(heard.detections[0].id.as_deref(), Some("NAN1"));
}

proptest! {
    #[test]
    fn no_input_makes_a_decoder_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode_payload(&bytes);
        let _ = decode_message(&bytes);
        let _ = from_80211(&bytes);
        let _ = from_ble_ll(&bytes);
        let _ = from_hci_event(&bytes);
        for lt in [127, 105, 251, 256, 201] {
            for p in from_packet(lt, &bytes) {
                let mut rx = Receiver::new(ReceiverConfig::default());
                let h = rx.hear(0.0, &p, None);
                for d in h.detections {
                    prop_assert!(d.lat_deg.abs() <= 90.0 && d.lon_deg.abs() <= 180.0);
                }
            }
        }
    }

    #[test]
    fn a_beacon_with_a_pack_of_random_messages_never_panics(body in proptest::collection::vec(any::<u8>(), 0..260)) {
        let mut f = vec![0x80, 0, 0, 0];
        f.extend_from_slice(&[0xff; 6]);
        f.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&[0; 12]);
        let len = (body.len() + 5).min(255);
        f.push(221);
        f.push(len as u8);
        f.extend_from_slice(&[0xfa, 0x0b, 0xbc, 0x0d, 1]);
        f.extend_from_slice(&body[..len - 5]);
        let p = from_80211(&f);
        prop_assert_eq!(p.len(), 1);
        let mut rx = Receiver::new(ReceiverConfig::default());
        let _ = rx.hear(0.0, &p[0], None);
    }
}
