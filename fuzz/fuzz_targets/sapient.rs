//! SAPIENT: any bytes as a TCP stream in two pieces, with a small frame limit; every
//! message that decodes is converted as a detection report would be.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut r = sapient::FrameReader::new(4096);
    let mut on = |m: Result<sapient::SapientMessage, sapient::FrameError>, _: &[u8]| {
        if let Ok(m) = m {
            let _ = sapient::kind(&m);
            if let Some(sapient::proto::sapient_message::Content::DetectionReport(dr)) = &m.content
            {
                let _ = sapient::convert::detection("fuzz", 0.0, dr);
            }
        }
    };
    let mid = data.len() / 2;
    if r.push(&data[..mid], &mut on).is_ok() {
        let _ = r.push(&data[mid..], &mut on);
    }
    let _ = sapient::decode_message(data);
});
