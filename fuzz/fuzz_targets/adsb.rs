//! Mode S: any bytes as a Beast stream (in two pieces), as frames through both the
//! fast path and rs1090's full decode, and as AVR text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut framer = adsb::framing::BeastFramer::new();
    let mut frames = Vec::new();
    let mid = data.len() / 2;
    framer.push(&data[..mid], |f| frames.push(f));
    framer.push(&data[mid..], |f| frames.push(f));
    let cfg = adsb::ReceiverConfig {
        reference: Some((52.0, 21.0)),
        ..Default::default()
    };
    let mut fast = adsb::Receiver::new(cfg.clone());
    let mut full = adsb::Receiver::new(cfg);
    for (i, f) in frames.iter().enumerate() {
        let _ = fast.hear_fast(i as f64, &f.data);
        let _ = full.hear(i as f64, &f.data);
    }
    for (i, chunk) in data.chunks(14).enumerate() {
        let _ = fast.hear_fast(i as f64, chunk);
        let _ = full.hear(i as f64, chunk);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = adsb::framing::parse_avr(s);
    }
});
