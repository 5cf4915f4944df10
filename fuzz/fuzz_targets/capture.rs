//! pcap/pcapng: any bytes as a capture file, each packet searched for UDP.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = capture::for_each_packet(data, |p| {
        let _ = capture::udp_datagram(p.linktype, p.data);
    });
});
