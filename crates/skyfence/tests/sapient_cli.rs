#![allow(clippy::unwrap_used, clippy::expect_used)]
//! SAPIENT against the independent Python bindings (PyPI sapient-msg, BSI Flex 335
//! v2.0): a sensor node registers with skyfence and its detections become a track;
//! skyfence registers with an upstream fusion node and sends it its tracks.

mod common;
#[path = "common/serve.rs"]
mod serve_common;
use common::{bin, peer_python, run_ok};
use serde_json::Value;
use serve_common::{free_port, Serve, TOKEN};
use std::path::Path;
use std::process::Command;

fn peer_script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/sapient_peer.py")
}

#[test]
fn a_sapient_sensor_node_registers_and_its_detections_become_a_track() {
    let python = peer_python("the SAPIENT peer test (sapient-msg)");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let port = free_port();
    // Only the site origin: the node announces its own position in a status report.
    std::fs::write(
        d.join("sensors.jsonl"),
        "{\"origin\":{\"lat_deg\":54.0,\"lon_deg\":24.0,\"alt_m\":0}}\n",
    )
    .unwrap();
    let cfg = serve_common::config(
        d,
        api,
        &format!(
            "[site]\nsensors = \"sensors.jsonl\"\n\n\
             [[input]]\nkind = \"sapient\"\nlisten = \"127.0.0.1:{port}\"\nnode_id = \"0a1b2c3d-0000-4000-8000-000000000001\"\n\n\
             [[output]]\nkind = \"tracks\"\npath = \"tracks.jsonl\"\n"
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    let out = Command::new(python)
        .arg(peer_script())
        .args(["client", "127.0.0.1", &port.to_string()])
        .output()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    assert!(
        out.status.success(),
        "peer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["registration_acknowledged"], true, "{summary}");
    assert_eq!(summary["refused_unregistered"], true, "{summary}");
    let tracks: Vec<Value> = std::fs::read_to_string(d.join("tracks.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !tracks.is_empty(),
        "no track from the node's detections; serve said: {err}"
    );
    let last = tracks.last().unwrap();
    // The target: 3 km north of the node, 900 m east at the end, flying east at 30 m/s.
    let t0 = 1_780_000_000.0;
    let k = last["time_s"].as_f64().unwrap() - t0 - 1.0;
    let (x, y) = (last["x_m"].as_f64().unwrap(), last["y_m"].as_f64().unwrap());
    assert!((x - (-900.0 + 30.0 * k)).abs() < 60.0, "{last}");
    assert!((y - 3000.0).abs() < 60.0, "{last}");
    assert!(
        (last["vx_mps"].as_f64().unwrap() - 30.0).abs() < 3.0,
        "{last}"
    );
    assert_eq!(last["class"], "drone_rotary", "{last}");
}

#[test]
fn skyfence_registers_upstream_and_sends_its_tracks_as_detection_reports() {
    let python = peer_python("the SAPIENT peer test (sapient-msg)");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let port = free_port();
    let upstream = Command::new(python)
        .arg(peer_script())
        .args(["server", &port.to_string(), "12"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let cfg = serve_common::config(
        d,
        api,
        &format!(
            "\
             [[input]]\nkind = \"sim\"\nscenario = \"quad-night-crossing\"\nspeed = 60\n\n\
             [[output]]\nkind = \"sapient\"\naddress = \"127.0.0.1:{port}\"\nname = \"skyfence test\"\n\
             node_id = \"0a1b2c3d-0000-4000-8000-000000000002\"\n"
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    let out = upstream.wait_with_output().unwrap();
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    assert!(
        out.status.success(),
        "upstream peer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reg = &lines[0];
    assert_eq!(reg["kind"], "registration");
    assert_eq!(reg["icd_version"], "BSI Flex 335 v2.0");
    assert_eq!(reg["node_type"], "NODE_TYPE_FUSION_NODE");
    assert_eq!(reg["node_id"], "0a1b2c3d-0000-4000-8000-000000000002");
    let reports: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "detection_report")
        .collect();
    assert!(
        reports.len() >= 5,
        "{} detection reports: {lines:?}",
        reports.len()
    );
    for r in &reports {
        assert_eq!(
            r["coordinate_system"],
            "LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M"
        );
        // The scenario's site is on the Estonian-Russian border.
        let (lat, lon) = (r["lat"].as_f64().unwrap(), r["lon"].as_f64().unwrap());
        assert!(
            (50.0..62.0).contains(&lat) && (20.0..32.0).contains(&lon),
            "{r}"
        );
        assert_eq!(r["object_id"].as_str().unwrap().len(), 26, "a ULID: {r}");
        assert!(!r["classes"].as_array().unwrap().is_empty());
    }
    // The scenario's drone crosses the border: its alert goes upstream too.
    let alerts: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "alert").collect();
    assert!(!alerts.is_empty(), "no alert reached the upstream node");
    assert_eq!(alerts[0]["alert_id"].as_str().unwrap().len(), 26);
    // One object id per track, kept from report to report.
    let ids: std::collections::HashSet<&str> = reports
        .iter()
        .map(|r| r["object_id"].as_str().unwrap())
        .collect();
    assert!(ids.len() < reports.len());
}

#[test]
fn a_recorded_sapient_stream_decodes_and_bad_frames_are_refused() {
    let python = peer_python("the SAPIENT peer test (sapient-msg)");
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("stream.bin");
    // Record what the peer client sends, with the peer's own encoder.
    let script = format!(
        "import socket,struct,sys\nsys.path.insert(0, {dir:?})\nimport sapient_peer as p\nclass S:\n    def __init__(s): s.b=b''\n    def sendall(s,b): s.b+=b\n    def settimeout(s,t): pass\n    def recv(s,n): return b''\n    def close(s): pass\nx=S()\nsocket.create_connection=lambda a: x\np.client('h','1')\nopen({rec:?},'wb').write(x.b)\n",
        dir = peer_script().parent().unwrap().to_str().unwrap(),
        rec = rec.to_str().unwrap()
    );
    let o = Command::new(python).args(["-c", &script]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bin()
        .args(["decode", "sapient"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(o.status.success());
    let dets: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 61 range-bearing reports of the registered node; the stranger's report names no
    // coordinate system and is refused.
    assert_eq!(dets.len(), 61);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("64 messages, 61 detections, 1 refused"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(dets[0]["sensor"], "6f1c2a9e-5b4d-4c3e-9a8f-1e2d3c4b5a60");
    assert!(
        (dets[0]["range_m"].as_f64().unwrap()
            - (900f64.powi(2) + 3000f64.powi(2) + 150f64.powi(2)).sqrt())
        .abs()
            < 0.01
    );
    assert_eq!(dets[0]["class"], "drone_rotary");
    let msgs = run_ok(
        bin()
            .args(["decode", "sapient", "--messages", "-q"])
            .arg(&rec),
    );
    let kinds: Vec<String> = msgs
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds[0], "registration");
    assert_eq!(kinds[1], "status_report");
    // A frame announcing 100 MB: refused before anything is read, with what came before kept.
    let mut bytes = std::fs::read(&rec).unwrap();
    bytes.extend_from_slice(&(100u32 << 20).to_le_bytes());
    std::fs::write(&rec, &bytes).unwrap();
    let o = bin()
        .args(["decode", "sapient"])
        .arg(&rec)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("over the"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 61);
}

/// A node's own status reports: its position puts it on the sensors view, and a
/// declared system error shows as a fault; unregistered status is refused.
#[test]
fn status_reports_feed_the_sensors_view() {
    use sapient::proto::{
        registration, sapient_message::Content, status_report, Location, Registration, StatusReport,
    };
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let port = free_port();
    std::fs::write(
        d.join("sensors.jsonl"),
        "{\"origin\":{\"lat_deg\":54.0,\"lon_deg\":24.0,\"alt_m\":0}}\n",
    )
    .unwrap();
    let cfg = serve_common::config(
        d,
        api,
        &format!(
            "[site]\nsensors = \"sensors.jsonl\"\n\n\
             [[input]]\nkind = \"sapient\"\nlisten = \"127.0.0.1:{port}\"\n"
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    let node = "11111111-2222-4333-8444-555555555555";
    let msg = |content: Content| sapient::SapientMessage {
        timestamp: Some(sapient::timestamp(1.78e9)),
        node_id: Some(node.into()),
        content: Some(content),
        ..Default::default()
    };
    let status = |system: status_report::System| {
        msg(Content::StatusReport(StatusReport {
            report_id: Some("01J000000000000000000000S1".into()),
            system: Some(system as i32),
            node_location: Some(Location {
                x: Some(24.1),
                y: Some(54.1),
                z: Some(120.0),
                coordinate_system: Some(
                    sapient::proto::LocationCoordinateSystem::LatLngDegM as i32,
                ),
                datum: Some(sapient::proto::LocationDatum::Wgs84E as i32),
                ..Default::default()
            }),
            ..Default::default()
        }))
    };
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut bytes = Vec::new();
    // Before registering: refused with an Error.
    sapient::encode_frame(&status(status_report::System::Ok), &mut bytes);
    sapient::encode_frame(
        &msg(Content::Registration(Registration {
            node_definition: vec![registration::NodeDefinition {
                node_type: Some(registration::NodeType::Acoustic as i32),
                node_sub_type: Vec::new(),
            }],
            icd_version: Some("BSI Flex 335 v2.0".into()),
            ..Default::default()
        })),
        &mut bytes,
    );
    sapient::encode_frame(&status(status_report::System::Error), &mut bytes);
    c.write_all(&bytes).unwrap();
    let mut reader = sapient::FrameReader::new(1 << 20);
    let mut kinds = Vec::new();
    let mut buf = [0u8; 4096];
    while kinds.len() < 2 {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0);
        reader
            .push(&buf[..n], |m, _| kinds.push(sapient::kind(&m.unwrap())))
            .unwrap();
    }
    assert_eq!(kinds, ["error", "registration_ack"]);
    let sensor: Value = s.until(20, |api| {
        let (_, body) = serve_common::http(api, "GET", "/api/sensors", Some(TOKEN), None);
        let v: Value = serde_json::from_str(&body).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .find(|x| x["sensor"] == node && x["health"] == "fault")
            .cloned()
    });
    assert_eq!(sensor["kind"], "acoustic");
    assert!(
        (sensor["lat_deg"].as_f64().unwrap() - 54.1).abs() < 1e-6,
        "{sensor}"
    );
    drop(c);
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
}

/// skyfence's alerts go back to the nodes registered on its SAPIENT input.
#[test]
fn alerts_reach_a_registered_node() {
    use sapient::proto::{registration, sapient_message::Content, Registration};
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let api = free_port();
    let port = free_port();
    let cfg = serve_common::config(
        dir.path(),
        api,
        &format!(
            "\
             [[input]]\nkind = \"sim\"\nscenario = \"quad-night-crossing\"\nspeed = 60\n\n\
             [[input]]\nkind = \"sapient\"\nlisten = \"127.0.0.1:{port}\"\n"
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut reg = Vec::new();
    sapient::encode_frame(
        &sapient::SapientMessage {
            timestamp: Some(sapient::timestamp(1.78e9)),
            node_id: Some("22222222-3333-4444-8555-666666666666".into()),
            content: Some(Content::Registration(Registration {
                node_definition: vec![registration::NodeDefinition {
                    node_type: Some(registration::NodeType::Other as i32),
                    node_sub_type: Vec::new(),
                }],
                icd_version: Some("BSI Flex 335 v2.0".into()),
                ..Default::default()
            })),
            ..Default::default()
        },
        &mut reg,
    );
    c.write_all(&reg).unwrap();
    let mut reader = sapient::FrameReader::new(1 << 20);
    let mut alert = None;
    let mut buf = [0u8; 8192];
    while alert.is_none() {
        let n = c.read(&mut buf).expect("no alert within 60 s");
        assert!(n > 0, "the connection closed");
        reader
            .push(&buf[..n], |m, _| {
                if let Ok(sapient::SapientMessage {
                    content: Some(Content::Alert(a)),
                    ..
                }) = m
                {
                    alert.get_or_insert(a);
                }
            })
            .unwrap();
    }
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    let a = alert.unwrap();
    assert!(
        a.description.as_deref().unwrap_or("").contains("border"),
        "{a:?}"
    );
    assert!(a.location_oneof.is_some());
    assert!(!a.associated_detection.is_empty());
}
