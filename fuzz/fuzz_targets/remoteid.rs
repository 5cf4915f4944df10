//! Remote ID: any bytes as a captured frame of every link type, and as a bare
//! payload; the receiver must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rx = remoteid::Receiver::new(remoteid::ReceiverConfig::default());
    for lt in [105, 127, 201, 251, 256] {
        for p in remoteid::transport::from_packet(lt, data) {
            let _ = rx.hear(0.0, &p, None);
        }
    }
    let p = remoteid::Payload {
        transport: remoteid::Transport::Hex,
        tx_mac: None,
        counter: None,
        body: data,
    };
    let _ = rx.hear(1.0, &p, Some("fuzz"));
});
