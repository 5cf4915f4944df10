#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `skyfence decode`: real recordings through the binary, checked against decodes
//! nobody on the project wrote.

mod common;
use common::{bin, run_ok, run_stdin, shared};
use serde_json::Value;

fn jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_parrot_capture_gives_one_detection_per_location_message() {
    let dir = shared().join("realdata/remoteid");
    let out = run_ok(
        bin()
            .args(["decode", "remoteid", "-q"])
            .arg(dir.join("parrot_anafi4_real.pcapng")),
    );
    let dets = jsonl(&out);
    let expected: Vec<Value> =
        jsonl(&std::fs::read_to_string(dir.join("parrot_anafi4_real.expected.jsonl")).unwrap())
            .into_iter()
            .filter(|m| m["msg_type"] == "location")
            .collect();
    assert_eq!(dets.len(), expected.len());
    assert_eq!(dets.len(), 1140);
    let serial = "1588E040445AC004418";
    let mut with_id = 0;
    for (d, e) in dets.iter().zip(&expected) {
        assert!(
            (d["time_s"].as_f64().unwrap() - e["capture_time_unix"].as_f64().unwrap()).abs() < 1e-5
        );
        assert!((d["lat_deg"].as_f64().unwrap() - e["lat"].as_f64().unwrap()).abs() < 1e-9);
        assert!((d["lon_deg"].as_f64().unwrap() - e["lon"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(d["sensor"], "remoteid");
        // The capture declares no accuracy: the documented default sigma.
        assert_eq!(d["sigma_m"], 15.0);
        if d["id"] == serial {
            with_id += 1;
            assert_eq!(d["class"], "drone_rotary");
            assert!(d["operator_lat_deg"].as_f64().is_some());
        } else {
            // Only before the first Basic ID is heard (the capture's first 1.5 s).
            assert!(d.get("id").is_none());
            assert!(d["time_s"].as_f64().unwrap() < 1_680_365_732.0);
        }
    }
    assert_eq!(with_id, 1140 - 15);
    // --messages gives every message: as many as the independent decoder found.
    let msgs = run_ok(
        bin()
            .args(["decode", "remoteid", "--messages", "-q"])
            .arg(dir.join("parrot_anafi4_real.pcapng")),
    );
    assert_eq!(msgs.lines().count(), 2295);
}

#[test]
fn hex_lines_decode_and_bad_lines_are_counted_not_fatal() {
    // A Basic ID then a Location (52.2296756 N 21.0122287 E, accuracy code 10).
    let mut basic = vec![0x02u8, 0x12];
    basic.extend_from_slice(b"SERIAL-1");
    basic.resize(25, 0);
    let mut loc = vec![0x12u8, 0x20, 0, 0, 0];
    loc.extend_from_slice(&522_296_756i32.to_le_bytes());
    loc.extend_from_slice(&210_122_287i32.to_le_bytes());
    loc.extend_from_slice(&[0, 0, 0x98, 0x08, 0, 0, 0x0a, 0, 0, 0, 0, 0]);
    assert_eq!(loc.len(), 25);
    let input = format!(
        "{{\"time_s\":10.0,\"hex\":\"{}\",\"tx\":\"a\"}}\nnot json\n{{\"time_s\":10.5,\"hex\":\"zz\"}}\n\
         {{\"time_s\":11.0,\"hex\":\"{}\",\"tx\":\"a\"}}\n{{\"time_s\":12.0,\"hex\":\"0102\",\"tx\":\"a\"}}\n",
        hex(&basic),
        hex(&loc)
    );
    let (ok, out, err) = run_stdin(&["decode", "remoteid", "-", "--sensor", "rid-east"], &input);
    assert!(ok, "{err}");
    let d = jsonl(&out);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["sensor"], "rid-east");
    assert_eq!(d[0]["id"], "SERIAL-1");
    assert_eq!(d[0]["alt_m"], 100.0);
    assert_eq!(d[0]["time_s"], 11.0);
    assert!(err.contains("1 rejected"), "{err}");
    assert!(err.contains("2 bad lines"), "{err}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn a_truncated_capture_keeps_what_came_before_the_damage() {
    let bytes =
        std::fs::read(shared().join("realdata/remoteid/parrot_anafi4_real.pcapng")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.pcapng");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 7]).unwrap();
    let out = bin()
        .args(["decode", "remoteid"])
        .arg(&cut)
        .output()
        .unwrap();
    assert!(out.status.success());
    let n = String::from_utf8(out.stdout).unwrap().lines().count();
    assert!(n > 400 && n < 1140, "{n} detections from half the file");
    assert!(String::from_utf8_lossy(&out.stderr).contains("ends inside a block"));
    let out = bin()
        .args(["decode", "remoteid"])
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("opening"));
}

#[test]
fn adsb_frames_from_hex_lines_and_avr_become_detections_with_quality() {
    let text = std::fs::read_to_string(
        shared().join("realdata/modes_frames_traffic_full_flight_head.jsonl"),
    )
    .unwrap();
    let mut lines = String::new();
    let mut avr = String::new();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        lines.push_str(&format!(
            "{{\"time_s\":{},\"hex\":\"{}\"}}\n",
            v["t"],
            v["hex"].as_str().unwrap()
        ));
        avr.push_str(&format!(
            "*{};\n",
            v["hex"].as_str().unwrap().to_uppercase()
        ));
    }
    lines.push_str("{\"hex\":\"8d\"}\n");
    let (ok, out, err) = run_stdin(
        &["decode", "adsb", "-", "--reference", "49.0097,2.5479"],
        &lines,
    );
    assert!(ok, "{err}");
    let d = jsonl(&out);
    assert_eq!(d.len(), 75, "one detection per airborne position");
    for x in &d {
        assert_eq!(x["id"], "393322");
        assert_eq!(x["sensor"], "adsb");
        assert_eq!(x["callsign"], "AFR34ZG");
        assert_eq!(x["nic"], 8);
        assert!(x["sigma_m"].as_f64().unwrap() > 10.0);
        let lat = x["lat_deg"].as_f64().unwrap();
        assert!((48.9..49.2).contains(&lat), "{lat}");
    }
    // The aircraft climbs out of CDG.
    assert!(d.last().unwrap()["alt_m"].as_f64().unwrap() > d[0]["alt_m"].as_f64().unwrap() + 300.0);
    assert!(err.contains("3000 decoded, 0 refused"), "{err}");
    assert!(err.contains("1 bad lines"), "{err}");
    // AVR text: the same frames; without times, every frame is stamped with the
    // time it is read, and positions still resolve in pairs.
    let (ok, out, err) = run_stdin(&["decode", "adsb", "-", "-q", "--messages"], &avr);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 3000);
    // Neither Beast, AVR nor JSON: a clear error.
    let (ok, _, err) = run_stdin(&["decode", "adsb", "-"], "hello\n");
    assert!(!ok);
    assert!(err.contains("not Beast"), "{err}");
}

#[path = "common/serve.rs"]
mod serve_common;

/// The three protocol inputs of `skyfence serve`, fed live: ASTERIX datagrams of a
/// radar named in the sensors file, a Beast port serving a real flight's frames, and
/// Remote ID hex lines over UDP; each sensor's detections reach the sensors view and
/// each input's counts the metrics.
#[test]
fn protocol_inputs_of_serve_take_live_data() {
    use serve_common::{free_port, http, Serve, TOKEN};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let (ast_port, rid_port) = (free_port(), free_port());
    // A Beast server: the real flight's frames as a receiver's port sends them.
    let beast = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let beast_addr = beast.local_addr().unwrap();
    let text = std::fs::read_to_string(
        shared().join("realdata/modes_frames_traffic_full_flight_head.jsonl"),
    )
    .unwrap();
    let mut stream_bytes = Vec::new();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        let f: Vec<u8> = (0..v["hex"].as_str().unwrap().len() / 2)
            .map(|i| u8::from_str_radix(&v["hex"].as_str().unwrap()[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        stream_bytes.push(0x1a);
        stream_bytes.push(if f.len() == 7 { b'2' } else { b'3' });
        for b in [0u8, 0, 0, 0, 0, 1, 50].iter().chain(&f) {
            stream_bytes.push(*b);
            if *b == 0x1a {
                stream_bytes.push(0x1a);
            }
        }
    }
    let server = std::thread::spawn(move || {
        let (mut c, _) = beast.accept().unwrap();
        c.write_all(&stream_bytes).unwrap();
        std::thread::sleep(std::time::Duration::from_secs(3));
    });
    std::fs::write(
        d.join("sensors.jsonl"),
        "{\"origin\":{\"lat_deg\":45.5,\"lon_deg\":16.0,\"alt_m\":0}}\n\
         {\"sensor\":\"split-ssr\",\"kind\":\"radar\",\"lat_deg\":43.57102202219,\"lon_deg\":16.40606241326,\"alt_m\":780,\"sac\":25,\"sic\":13}\n\
         {\"sensor\":\"rid\",\"kind\":\"remoteid\",\"lat_deg\":52.2,\"lon_deg\":21.0,\"alt_m\":100}\n",
    )
    .unwrap();
    let cfg = serve_common::config(
        d,
        api,
        &format!(
            "[site]\nsensors = \"sensors.jsonl\"\n\n\
             [[input]]\nkind = \"asterix\"\nlisten = \"127.0.0.1:{ast_port}\"\n\n\
             [[input]]\nkind = \"beast\"\nconnect = \"{beast_addr}\"\nreference_lat_deg = 49.0097\nreference_lon_deg = 2.5479\n\n\
             [[input]]\nkind = \"remoteid\"\nlisten = \"127.0.0.1:{rid_port}\"\nsensor = \"rid\"\n"
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    // ASTERIX: the CAT048/034 datagrams of the recording shipped with asterix_decoder.
    let peer = common::peer_python("the ASTERIX input test (asterix_decoder)");
    let o = std::process::Command::new(peer)
        .args(["-c", "import asterix,dpkt,sys\nfor ts,b in dpkt.pcap.Reader(open(asterix.get_sample_file('cat_034_048.pcap'),'rb')):\n    e=dpkt.ethernet.Ethernet(b)\n    sys.stdout.write(bytes(e.data.data.data).hex()+'\\n')\n"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for line in String::from_utf8(o.stdout).unwrap().lines() {
        let b: Vec<u8> = (0..line.len() / 2)
            .map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        udp.send_to(&b, ("127.0.0.1", ast_port)).unwrap();
    }
    // Remote ID: a Basic ID then a Location, as hex lines.
    let mut basic = vec![0x02u8, 0x12];
    basic.extend_from_slice(b"SERIAL-1");
    basic.resize(25, 0);
    let mut loc = vec![0x12u8, 0x20, 0, 0, 0];
    loc.extend_from_slice(&522_296_756i32.to_le_bytes());
    loc.extend_from_slice(&210_122_287i32.to_le_bytes());
    loc.extend_from_slice(&[0, 0, 0x98, 0x08, 0, 0, 0x0a, 0, 0, 0, 0, 0]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let lines = format!(
        "{{\"time_s\":{now},\"hex\":\"{}\",\"tx\":\"a\"}}\n{{\"time_s\":{},\"hex\":\"{}\",\"tx\":\"a\"}}\nbroken\n",
        hex(&basic),
        now + 0.1,
        hex(&loc)
    );
    udp.send_to(lines.as_bytes(), ("127.0.0.1", rid_port))
        .unwrap();
    let sensors: Value = s.until(30, |api| {
        let (code, body) = http(api, "GET", "/api/sensors", Some(TOKEN), None);
        assert_eq!(code, 200);
        let v: Value = serde_json::from_str(&body).unwrap();
        let n = |name: &str| {
            v.as_array()
                .unwrap()
                .iter()
                .find(|s| s["sensor"] == name)
                .and_then(|s| s["detections"].as_u64())
                .unwrap_or(0)
        };
        (n("split-ssr") > 0 && n("adsb") > 0 && n("rid") > 0).then_some(v)
    });
    let (_, metrics) = http(api, "GET", "/metrics", Some(TOKEN), None);
    let (ok, err) = s.stop();
    server.join().unwrap();
    assert!(ok, "{err}");
    assert!(sensors
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["sensor"] == "adsb"));
    for input in [
        format!("asterix:127.0.0.1:{ast_port}"),
        format!("beast:{beast_addr}"),
        format!("remoteid:127.0.0.1:{rid_port}"),
    ] {
        assert!(
            metrics.contains(&input),
            "no series for {input} in {metrics}"
        );
    }
    // The broken Remote ID line is counted as refused.
    assert!(
        metrics
            .lines()
            .any(|l| l.contains(&format!("remoteid:127.0.0.1:{rid_port}"))
                && l.contains("dropped")
                && l.ends_with(" 1")),
        "{metrics}"
    );
}

/// A radar that sends only CAT034 service messages (it sees nothing) is alive in the
/// sensors view, not waiting or silent. (SAC 25 / SIC 12 of the recording sends
/// datagrams of CAT034 alone, with its position in I034/120.)
#[test]
fn cat034_service_messages_keep_a_quiet_radar_alive() {
    use serve_common::{free_port, http, Serve, TOKEN};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (api, port) = (free_port(), free_port());
    std::fs::write(
        d.join("sensors.jsonl"),
        "{\"origin\":{\"lat_deg\":43.5,\"lon_deg\":16.4,\"alt_m\":0}}\n\
         {\"sensor\":\"split-ssr\",\"kind\":\"radar\",\"lat_deg\":43.57102202219,\"lon_deg\":16.40606241326,\"alt_m\":780,\"sac\":25,\"sic\":12}\n",
    )
    .unwrap();
    let cfg = serve_common::config(
        d,
        api,
        &format!(
            "[site]\nsensors = \"sensors.jsonl\"\n\n\
             [[input]]\nkind = \"asterix\"\nlisten = \"127.0.0.1:{port}\"\n"
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    let peer = common::peer_python("the ASTERIX input test (asterix_decoder)");
    let o = std::process::Command::new(peer)
        .args(["-c", "import asterix,dpkt,sys\nfor ts,b in dpkt.pcap.Reader(open(asterix.get_sample_file('cat_034_048.pcap'),'rb')):\n    d=bytes(dpkt.ethernet.Ethernet(b).data.data.data)\n    if d[:1]==b'\\x22': sys.stdout.write(d.hex()+'\\n')\n"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.lines().count() >= 3);
    for line in text.lines() {
        let b: Vec<u8> = (0..line.len() / 2)
            .map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        udp.send_to(&b, ("127.0.0.1", port)).unwrap();
    }
    let radar: Value = s.until(20, |api| {
        let (_, body) = http(api, "GET", "/api/sensors", Some(TOKEN), None);
        let v: Value = serde_json::from_str(&body).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .find(|x| x["sensor"] == "split-ssr" && x["health"] == "ok")
            .cloned()
    });
    assert_eq!(radar["detections"], 0, "{radar}");
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
}
