//! Finding Remote ID payloads in captured frames. Layouts: ASTM F3411-22a section 5.4
//! (Bluetooth 4 legacy and Bluetooth 5 long-range advertising: service data of UUID
//! 0xFFFA with application code 0x0D; Wi-Fi beacon: vendor-specific element with OUI
//! FA-0B-BC, type 0x0D; Wi-Fi NaN: a service discovery frame whose service ID is the
//! first 6 bytes of SHA-256("org.opendroneid.remoteid")), IEEE 802.11-2020 clause 9
//! for management frames, the radiotap header definition (radiotap.org), Bluetooth
//! Core 5.3 vol 6 part B 2.3 for advertising PDUs and vol 4 part E 7.7.65 for HCI LE
//! advertising reports.

use serde::Serialize;

/// How a payload reached the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Wi-Fi beacon vendor element.
    WifiBeacon,
    /// Wi-Fi Neighbour Awareness Networking service discovery frame.
    WifiNan,
    /// Bluetooth 4 legacy advertising.
    BluetoothLegacy,
    /// Bluetooth 5 extended (long-range) advertising.
    BluetoothLongRange,
    /// A hex payload from a JSON Lines file.
    Hex,
}

/// A Remote ID payload found in one frame, before message decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload<'a> {
    /// How it came.
    pub transport: Transport,
    /// The transmitter's MAC (Wi-Fi source address or Bluetooth advertiser address).
    pub tx_mac: Option<[u8; 6]>,
    /// The transport's message counter.
    pub counter: Option<u8>,
    /// One message or a Message Pack.
    pub body: &'a [u8],
}

const ODID_OUI: [u8; 3] = [0xfa, 0x0b, 0xbc];
const ODID_VENDOR_TYPE: u8 = 0x0d;
const WFA_OUI: [u8; 3] = [0x50, 0x6f, 0x9a];
const NAN_OUI_TYPE: u8 = 0x13;
const NAN_SERVICE_ID: [u8; 6] = [0x88, 0x69, 0x19, 0x9d, 0x92, 0x09];
const ODID_BT_UUID: [u8; 2] = [0xfa, 0xff];
const ODID_BT_APP_CODE: u8 = 0x0d;

/// Formats a MAC as `aa:bb:cc:dd:ee:ff`.
pub fn mac_text(mac: &[u8; 6]) -> String {
    let mut s = String::with_capacity(17);
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn mac_at(b: &[u8], i: usize) -> Option<[u8; 6]> {
    b.get(i..i + 6)?.try_into().ok()
}

/// Strips a radiotap header, and the frame check sequence when radiotap's Flags field
/// says the frame ends with one.
pub fn strip_radiotap(b: &[u8]) -> Option<&[u8]> {
    let len = usize::from(u16::from_le_bytes([*b.get(2)?, *b.get(3)?]));
    if len < 8 || len > b.len() {
        return None;
    }
    // Present words chain while bit 31 is set.
    let mut words = 1;
    let present0 = u32::from_le_bytes(b.get(4..8)?.try_into().ok()?);
    while u32::from_le_bytes(b.get(4 * words..4 * words + 4)?.try_into().ok()?) & (1 << 31) != 0 {
        words += 1;
    }
    let mut off = 4 + 4 * words;
    let mut has_fcs = false;
    if present0 & 1 != 0 {
        // TSFT: 8 bytes, aligned to 8 from the header's start.
        off = off.div_ceil(8) * 8 + 8;
    }
    if present0 & 2 != 0 {
        // Flags; 0x10 means "frame includes FCS".
        has_fcs = b.get(off).is_some_and(|f| f & 0x10 != 0);
    }
    let frame = &b[len..];
    if has_fcs {
        frame.get(..frame.len().checked_sub(4)?)
    } else {
        Some(frame)
    }
}

/// Remote ID payloads in an 802.11 frame (no radio header): every ODID vendor element
/// of a beacon, or the service info of a NaN service discovery frame.
pub fn from_80211(f: &[u8]) -> Vec<Payload<'_>> {
    let mut out = Vec::new();
    let (Some(&fc0), Some(tx)) = (f.first(), mac_at(f, 10)) else {
        return out;
    };
    let kind = (fc0 >> 2) & 0x03;
    let subtype = fc0 >> 4;
    if kind != 0 {
        return out;
    }
    match subtype {
        // Beacon: 24-byte header, 12 fixed bytes, then elements.
        8 => {
            let mut i = 36;
            while let (Some(&id), Some(&len)) = (f.get(i), f.get(i + 1)) {
                let Some(body) = f.get(i + 2..i + 2 + usize::from(len)) else {
                    break;
                };
                if id == 221
                    && body.len() >= 5
                    && body[..3] == ODID_OUI
                    && body[3] == ODID_VENDOR_TYPE
                {
                    out.push(Payload {
                        transport: Transport::WifiBeacon,
                        tx_mac: Some(tx),
                        counter: Some(body[4]),
                        body: &body[5..],
                    });
                }
                i += 2 + usize::from(len);
            }
        }
        // Action frame: public (4), vendor specific (9), Wi-Fi Alliance OUI, NaN.
        13 => {
            let a = 24;
            if f.get(a) != Some(&4) || f.get(a + 1) != Some(&9) {
                return out;
            }
            if f.get(a + 2..a + 5) != Some(&WFA_OUI[..]) || f.get(a + 5) != Some(&NAN_OUI_TYPE) {
                return out;
            }
            let mut i = a + 6;
            while let (Some(&id), Some(len)) = (
                f.get(i),
                f.get(i + 1..i + 3)
                    .map(|l| usize::from(u16::from_le_bytes([l[0], l[1]]))),
            ) {
                let Some(attr) = f.get(i + 3..i + 3 + len) else {
                    break;
                };
                // Service Descriptor Attribute.
                if id == 0x03 && attr.len() >= 9 && attr[..6] == NAN_SERVICE_ID {
                    if let Some(info) = nan_service_info(attr) {
                        if let Some((&counter, body)) = info.split_first() {
                            out.push(Payload {
                                transport: Transport::WifiNan,
                                tx_mac: Some(tx),
                                counter: Some(counter),
                                body,
                            });
                        }
                    }
                }
                i += 3 + len;
            }
        }
        _ => {}
    }
    out
}

/// The service info of a NaN Service Descriptor Attribute: after the service ID,
/// instance IDs and service control, the optional fields the control bits announce.
fn nan_service_info(attr: &[u8]) -> Option<&[u8]> {
    let control = attr[8];
    let mut i = 9;
    if control & 0x04 != 0 {
        i += 2; // binding bitmap
    }
    if control & 0x08 != 0 {
        i += 1 + usize::from(*attr.get(i)?); // matching filter
    }
    if control & 0x10 != 0 {
        i += 1 + usize::from(*attr.get(i)?); // service response filter
    }
    if control & 0x20 == 0 {
        return None;
    }
    let len = usize::from(*attr.get(i)?);
    attr.get(i + 1..i + 1 + len)
}

/// Remote ID payloads in Bluetooth advertising data (a sequence of AD structures).
pub fn from_ad(data: &[u8], tx: Option<[u8; 6]>, transport: Transport) -> Vec<Payload<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&len) = data.get(i) {
        let len = usize::from(len);
        if len == 0 {
            break;
        }
        let Some(ad) = data.get(i + 1..i + 1 + len) else {
            break;
        };
        // Service Data - 16-bit UUID (0x16), UUID 0xFFFA, application code 0x0D.
        if ad.len() >= 5 && ad[0] == 0x16 && ad[1..3] == ODID_BT_UUID && ad[3] == ODID_BT_APP_CODE {
            out.push(Payload {
                transport,
                tx_mac: tx,
                counter: Some(ad[4]),
                body: &ad[5..],
            });
        }
        i += 1 + len;
    }
    out
}

/// Bluetooth advertiser addresses are sent least significant byte first.
fn ble_addr(b: &[u8], i: usize) -> Option<[u8; 6]> {
    let mut a = mac_at(b, i)?;
    a.reverse();
    Some(a)
}

/// Remote ID payloads in a Bluetooth LE link-layer packet starting at the access
/// address: legacy advertising PDUs and extended advertising (AUX_ADV_IND, which
/// long-range Remote ID uses).
pub fn from_ble_ll(p: &[u8]) -> Vec<Payload<'_>> {
    let (Some(&h0), Some(&len)) = (p.get(4), p.get(5)) else {
        return Vec::new();
    };
    let Some(pdu) = p.get(6..6 + usize::from(len)) else {
        return Vec::new();
    };
    match h0 & 0x0f {
        // ADV_IND, ADV_NONCONN_IND, ADV_SCAN_IND, SCAN_RSP: AdvA then data.
        0 | 2 | 4 | 6 => from_ad(
            pdu.get(6..).unwrap_or(&[]),
            ble_addr(pdu, 0),
            Transport::BluetoothLegacy,
        ),
        // ADV_EXT_IND / AUX_ADV_IND: the common extended advertising payload.
        7 => {
            let Some(&h) = pdu.first() else {
                return Vec::new();
            };
            let hlen = usize::from(h & 0x3f);
            let Some(header) = pdu.get(1..1 + hlen) else {
                return Vec::new();
            };
            let mut tx = None;
            if let Some(&flags) = header.first() {
                if flags & 0x01 != 0 {
                    tx = ble_addr(header, 1);
                }
            }
            from_ad(
                pdu.get(1 + hlen..).unwrap_or(&[]),
                tx,
                Transport::BluetoothLongRange,
            )
        }
        _ => Vec::new(),
    }
}

/// Remote ID payloads in an HCI event (after the H4 packet type byte): LE Advertising
/// Report and LE Extended Advertising Report.
pub fn from_hci_event(e: &[u8]) -> Vec<Payload<'_>> {
    let mut out = Vec::new();
    // Event code 0x3E (LE Meta), parameter length, subevent.
    if e.first() != Some(&0x3e) {
        return out;
    }
    let Some(params) = e.get(2..2 + usize::from(*e.get(1).unwrap_or(&0))) else {
        return out;
    };
    match params.first() {
        // LE Advertising Report: per report event type, address type, address, data
        // length, data, RSSI.
        Some(0x02) => {
            let n = usize::from(*params.get(1).unwrap_or(&0));
            let mut i = 2;
            for _ in 0..n {
                let Some(addr) = ble_addr(params, i + 2) else {
                    break;
                };
                let Some(&dlen) = params.get(i + 8) else {
                    break;
                };
                let Some(data) = params.get(i + 9..i + 9 + usize::from(dlen)) else {
                    break;
                };
                out.extend(from_ad(data, Some(addr), Transport::BluetoothLegacy));
                i += 10 + usize::from(dlen);
            }
        }
        // LE Extended Advertising Report: 24 fixed bytes per report, then the data.
        Some(0x0d) => {
            let n = usize::from(*params.get(1).unwrap_or(&0));
            let mut i = 2;
            for _ in 0..n {
                let Some(ev) = params
                    .get(i..i + 2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]]))
                else {
                    break;
                };
                let Some(addr) = ble_addr(params, i + 3) else {
                    break;
                };
                let Some(&dlen) = params.get(i + 23) else {
                    break;
                };
                let Some(data) = params.get(i + 24..i + 24 + usize::from(dlen)) else {
                    break;
                };
                // Bit 4 of the event type marks a legacy PDU.
                let t = if ev & 0x10 != 0 {
                    Transport::BluetoothLegacy
                } else {
                    Transport::BluetoothLongRange
                };
                out.extend(from_ad(data, Some(addr), t));
                i += 24 + usize::from(dlen);
            }
        }
        _ => {}
    }
    out
}

/// Remote ID payloads in a captured packet of the given link type.
pub fn from_packet(linktype: i32, data: &[u8]) -> Vec<Payload<'_>> {
    use capture::linktype as lt;
    match linktype {
        lt::IEEE802_11_RADIOTAP => strip_radiotap(data).map(from_80211).unwrap_or_default(),
        lt::IEEE802_11 => from_80211(data),
        lt::BLUETOOTH_LE_LL => from_ble_ll(data),
        lt::BLUETOOTH_LE_LL_WITH_PHDR => data.get(10..).map(from_ble_ll).unwrap_or_default(),
        // 4-byte direction, then the H4 type (4 = event).
        lt::BLUETOOTH_HCI_H4_WITH_PHDR => match data.get(4) {
            Some(4) => from_hci_event(&data[5..]),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
