//! Reading packet captures: every packet of a pcap or pcapng file with its capture
//! time and link type, and the UDP payload inside a packet. Decoders of sensor
//! protocols (ASTERIX over UDP, Remote ID in Wi-Fi beacons) read recordings through
//! here, so one reader handles both file formats, every pcapng interface's own
//! timestamp resolution, and damaged files.
//!
//! File parsing is pcap-parser's and IP/UDP parsing etherparse's; this crate only
//! joins them to skyfence's needs.

use pcap_parser::pcapng::Block;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::io::Read;
use std::net::IpAddr;

/// Link types skyfence reads (tcpdump.org's LINKTYPE_ registry).
pub mod linktype {
    /// BSD loopback: a 4-byte address family, then IP.
    pub const NULL: i32 = 0;
    /// Ethernet II.
    pub const ETHERNET: i32 = 1;
    /// Raw IP (the two values libpcap uses on different systems).
    pub const RAW: i32 = 101;
    /// Raw IP, as some BSDs number it.
    pub const RAW_BSD: i32 = 12;
    /// IEEE 802.11 without a radio header.
    pub const IEEE802_11: i32 = 105;
    /// Linux "cooked" capture v1.
    pub const LINUX_SLL: i32 = 113;
    /// IEEE 802.11 with a radiotap header.
    pub const IEEE802_11_RADIOTAP: i32 = 127;
    /// Bluetooth HCI UART transport with a 4-byte direction header.
    pub const BLUETOOTH_HCI_H4_WITH_PHDR: i32 = 201;
    /// Bluetooth Low Energy link layer.
    pub const BLUETOOTH_LE_LL: i32 = 251;
    /// Bluetooth Low Energy link layer with a 10-byte pseudo-header.
    pub const BLUETOOTH_LE_LL_WITH_PHDR: i32 = 256;
    /// Linux "cooked" capture v2.
    pub const LINUX_SLL2: i32 = 276;
    /// Raw IPv4.
    pub const IPV4: i32 = 228;
}

/// Why a recording could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file is neither pcap nor pcapng.
    #[error("not a pcap or pcapng file (its first bytes are no capture header)")]
    NotACapture,
    /// Reading the file failed.
    #[error("reading the capture: {0}")]
    Io(#[from] std::io::Error),
    /// A block is damaged; packets before it were delivered.
    #[error("damaged capture block after {packets} packets at byte {offset}: {what}")]
    Damaged {
        /// Packets delivered before the damage.
        packets: u64,
        /// Byte offset of the damaged block.
        offset: u64,
        /// What the parser said.
        what: String,
    },
}

/// One captured packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// Capture time, UNIX seconds.
    pub time_s: f64,
    /// The link type of the interface that captured it.
    pub linktype: i32,
    /// The bytes captured (may be shorter than the packet on the wire).
    pub data: &'a [u8],
}

/// What reading a whole capture saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packets delivered.
    pub packets: u64,
    /// Packets of an interface the file never described (skipped).
    pub orphan_packets: u64,
}

struct Interface {
    linktype: i32,
    ts_offset: u64,
    ts_resolution: u64,
}

/// The largest block the reader buffers; a longer one is reported as damage, so a
/// hostile file cannot make the reader grow without bound.
const MAX_BLOCK_BYTES: usize = 16 << 20;

/// Calls `on_packet` for every packet of a pcap or pcapng stream, in file order.
/// A damaged block ends the reading with [`CaptureError::Damaged`]; every packet
/// before it has been delivered.
pub fn for_each_packet<R: Read + Send>(
    reader: R,
    mut on_packet: impl FnMut(Packet<'_>),
) -> Result<CaptureStats, CaptureError> {
    let mut stats = CaptureStats::default();
    let mut rd = match pcap_parser::create_reader(1 << 16, reader) {
        Ok(r) => r,
        Err(PcapError::Eof) | Err(PcapError::HeaderNotRecognized) => {
            return Err(CaptureError::NotACapture)
        }
        Err(PcapError::ReadError) => {
            return Err(CaptureError::Io(std::io::Error::other("read failed")))
        }
        Err(e) => {
            return Err(CaptureError::Damaged {
                packets: 0,
                offset: 0,
                what: format!("{e:?}"),
            })
        }
    };
    let mut legacy_linktype = linktype::ETHERNET;
    let mut legacy_nanos = false;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut offset: u64 = 0;
    let mut buffer_len = 1usize << 16;
    loop {
        match rd.next() {
            Ok((used, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy_linktype = h.network.0;
                        legacy_nanos = h.is_nanosecond_precision();
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let frac = if legacy_nanos { 1e-9 } else { 1e-6 };
                        let caplen = (b.caplen as usize).min(b.data.len());
                        on_packet(Packet {
                            time_s: f64::from(b.ts_sec) + f64::from(b.ts_usec) * frac,
                            linktype: legacy_linktype,
                            data: &b.data[..caplen],
                        });
                        stats.packets += 1;
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => interfaces.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        interfaces.push(Interface {
                            linktype: idb.linktype.0,
                            ts_offset: idb.if_tsoffset as u64,
                            ts_resolution: idb.ts_resolution().unwrap_or(1_000_000),
                        });
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        match interfaces.get(epb.if_id as usize) {
                            Some(ifc) => {
                                let caplen = (epb.caplen as usize).min(epb.data.len());
                                on_packet(Packet {
                                    time_s: epb.decode_ts_f64(ifc.ts_offset, ifc.ts_resolution),
                                    linktype: ifc.linktype,
                                    data: &epb.data[..caplen],
                                });
                                stats.packets += 1;
                            }
                            None => stats.orphan_packets += 1,
                        }
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => match interfaces.first() {
                        // A simple packet has no time; it belongs to interface 0.
                        Some(ifc) => {
                            let caplen = (spb.origlen as usize).min(spb.data.len());
                            on_packet(Packet {
                                time_s: f64::NAN,
                                linktype: ifc.linktype,
                                data: &spb.data[..caplen],
                            });
                            stats.packets += 1;
                        }
                        None => stats.orphan_packets += 1,
                    },
                    PcapBlockOwned::NG(_) => {}
                }
                rd.consume(used);
                offset += used as u64;
            }
            Err(PcapError::Eof) => return Ok(stats),
            Err(PcapError::Incomplete(_)) => {
                if rd.refill().is_err() {
                    return Err(CaptureError::Io(std::io::Error::other(
                        "reading more of the capture failed",
                    )));
                }
            }
            Err(PcapError::UnexpectedEof) => {
                return Err(CaptureError::Damaged {
                    packets: stats.packets,
                    offset,
                    what: "the file ends inside a block".into(),
                })
            }
            // A block longer than the buffer: grow it, up to the limit.
            Err(PcapError::BufferTooSmall) if buffer_len < MAX_BLOCK_BYTES => {
                buffer_len *= 2;
                rd.grow(buffer_len);
                if rd.refill().is_err() {
                    return Err(CaptureError::Io(std::io::Error::other(
                        "reading more of the capture failed",
                    )));
                }
            }
            Err(e) => {
                return Err(CaptureError::Damaged {
                    packets: stats.packets,
                    offset,
                    what: format!("{e:?}"),
                })
            }
        }
    }
}

/// A UDP datagram found in a packet.
#[derive(Debug, Clone, Copy)]
pub struct Datagram<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The UDP payload.
    pub payload: &'a [u8],
}

/// The UDP datagram in a packet of the given link type, if it carries one. Fragmented
/// IP datagrams are not reassembled (ASTERIX senders keep datagrams under the MTU).
pub fn udp_datagram(linktype: i32, data: &[u8]) -> Option<Datagram<'_>> {
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    let sliced = match linktype {
        linktype::ETHERNET => SlicedPacket::from_ethernet(data).ok()?,
        linktype::RAW | linktype::RAW_BSD | linktype::IPV4 => SlicedPacket::from_ip(data).ok()?,
        linktype::LINUX_SLL => SlicedPacket::from_linux_sll(data).ok()?,
        // SLL2: a 20-byte header whose first two bytes are the EtherType.
        linktype::LINUX_SLL2 => {
            let ether = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
            SlicedPacket::from_ether_type(etherparse::EtherType(ether), data.get(20..)?).ok()?
        }
        linktype::NULL => SlicedPacket::from_ip(data.get(4..)?).ok()?,
        _ => return None,
    };
    let (src, dst) = match sliced.net? {
        NetSlice::Ipv4(v4) => (
            IpAddr::V4(v4.header().source_addr()),
            IpAddr::V4(v4.header().destination_addr()),
        ),
        NetSlice::Ipv6(v6) => (
            IpAddr::V6(v6.header().source_addr()),
            IpAddr::V6(v6.header().destination_addr()),
        ),
        NetSlice::Arp(_) => return None,
    };
    match sliced.transport? {
        TransportSlice::Udp(u) => Some(Datagram {
            src,
            dst,
            src_port: u.source_port(),
            dst_port: u.destination_port(),
            payload: u.payload(),
        }),
        _ => None,
    }
}
