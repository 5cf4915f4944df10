//! ASTERIX: any bytes as a datagram of data blocks, and as the records of a CAT048
//! and a CAT034 block.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rx = asterix::Receiver::new(asterix::ReceiverConfig::default());
    let _ = rx.read(data, Some(1.7e9), |_, _| {});
    for cat in [48u8, 34] {
        let b = asterix::Block { cat, records: data };
        let _ = asterix::decode_block(&b);
    }
});
