#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ASTERIX against an independent decoder: the real recordings shipped in PyPI
//! asterix_decoder decode to the values that decoder gives, and skyfence's CAT062
//! output is read back correctly by ast-tool-py (libasterix).

mod common;
#[path = "common/serve.rs"]
mod serve_common;
use common::{bin, peer_ast_tool, peer_python, run_ok};
use serde_json::Value;
use serve_common::{free_port, Serve};
use std::path::{Path, PathBuf};
use std::process::Command;

fn peer_records() -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/asterix_decode.py");
    let out = Command::new(peer_python("the ASTERIX peer test (asterix_decoder)"))
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// asterix_decoder's value of `item`.`field` (nested subfields searched too).
fn val<'a>(rec: &'a Value, item: &str, field: &str) -> Option<&'a Value> {
    fn find<'a>(v: &'a Value, field: &str) -> Option<&'a Value> {
        let m = v.as_object()?;
        if let Some(f) = m.get(field) {
            return f.get("val").or(Some(f));
        }
        m.values().find_map(|x| find(x, field))
    }
    find(rec.get(item)?, field)
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(a: Option<&Value>, b: Option<&Value>, what: &str, n: usize) {
    match (a, b) {
        (Some(a), Some(b)) if !b.is_null() => {
            assert!(
                (num(a) - num(b)).abs() < 1e-6,
                "record {n}: {what}: peer {a}, skyfence {b}"
            )
        }
        (None, None) | (None, Some(Value::Null)) => {}
        _ => panic!("record {n}: {what}: peer {a:?}, skyfence {b:?}"),
    }
}

#[test]
fn the_recordings_shipped_with_asterix_decoder_decode_to_its_values() {
    let peer = peer_records();
    let mut files: Vec<String> = peer
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect();
    files.dedup();
    assert_eq!(files.len(), 3, "{files:?}");
    let mut compared = 0;
    for file in files {
        let theirs: Vec<&Value> = peer
            .iter()
            .filter(|r| r["file"] == file.as_str())
            .map(|r| &r["record"])
            .collect();
        let out = run_ok(
            bin()
                .args(["decode", "asterix", "--messages", "-q"])
                .arg(&file),
        );
        let ours: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{file}: record count");
        for (n, (t, o)) in theirs.iter().zip(&ours).enumerate() {
            let cat = t["category"].as_u64().unwrap();
            assert_eq!(o["cat"], cat.to_string(), "{file} record {n}");
            close(val(t, "I010", "SAC"), o.get("sac"), "SAC", n);
            close(val(t, "I010", "SIC"), o.get("sic"), "SIC", n);
            if cat == 48 {
                close(val(t, "I140", "ToD"), o.get("time_of_day_s"), "I140", n);
                close(val(t, "I020", "TYP"), o.get("typ"), "I020 TYP", n);
                close(val(t, "I040", "RHO"), o.get("rho_nm"), "I040 RHO", n);
                close(val(t, "I040", "THETA"), o.get("theta_deg"), "I040 THETA", n);
                assert_eq!(
                    val(t, "I070", "Mode3A"),
                    o.get("mode3a").filter(|v| !v.is_null()),
                    "record {n}: I070"
                );
                close(val(t, "I090", "FL"), o.get("flight_level"), "I090", n);
                close(
                    val(t, "I130", "SRL"),
                    o.get("ssr_runlength_deg"),
                    "I130 SRL",
                    n,
                );
                close(val(t, "I130", "SRR"), o.get("ssr_replies"), "I130 SRR", n);
                close(
                    val(t, "I130", "SAM"),
                    o.get("ssr_amplitude_dbm"),
                    "I130 SAM",
                    n,
                );
                close(
                    val(t, "I130", "PRL"),
                    o.get("psr_runlength_deg"),
                    "I130 PRL",
                    n,
                );
                close(
                    val(t, "I130", "PAM"),
                    o.get("psr_amplitude_dbm"),
                    "I130 PAM",
                    n,
                );
                close(val(t, "I130", "RPD"), o.get("range_diff_nm"), "I130 RPD", n);
                close(
                    val(t, "I130", "APD"),
                    o.get("azimuth_diff_deg"),
                    "I130 APD",
                    n,
                );
                if let Some(a) = val(t, "I220", "ACAddr") {
                    assert_eq!(
                        a.as_str().unwrap().to_lowercase(),
                        o["aircraft_address"].as_str().unwrap()
                    );
                }
                if let Some(a) = val(t, "I240", "TId") {
                    assert_eq!(
                        a.as_str().unwrap().trim_end(),
                        o["aircraft_id"].as_str().unwrap()
                    );
                }
                if let Some(list) = t.get("I250").and_then(|v| v.as_array()) {
                    let bds: Vec<String> = list
                        .iter()
                        .map(|x| x["BDS"]["val"].as_str().unwrap().to_lowercase())
                        .collect();
                    let ours: Vec<String> = o["bds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|b| b.as_str().unwrap().to_string())
                        .collect();
                    assert_eq!(bds, ours, "record {n}: I250");
                }
                close(val(t, "I161", "Tn"), o.get("track_number"), "I161", n);
                close(val(t, "I042", "X"), o.get("x_nm"), "I042 X", n);
                close(val(t, "I042", "Y"), o.get("y_nm"), "I042 Y", n);
                close(
                    val(t, "I200", "CGS"),
                    o.get("ground_speed_kt"),
                    "I200 CGS",
                    n,
                );
                close(val(t, "I200", "CHdg"), o.get("heading_deg"), "I200 CHdg", n);
                if let Some(c) = val(t, "I170", "CNF") {
                    assert_eq!(
                        num(c) != 0.0,
                        o["track_tentative"].as_bool().unwrap(),
                        "record {n}: I170"
                    );
                }
                close(
                    val(t, "I110", "3D_Height"),
                    o.get("height_3d_ft"),
                    "I110",
                    n,
                );
            } else {
                close(val(t, "I000", "MsgTyp"), o.get("message_type"), "I000", n);
                close(val(t, "I030", "ToD"), o.get("time_of_day_s"), "I030", n);
                close(val(t, "I020", "Azi"), o.get("sector_deg"), "I020", n);
                close(
                    val(t, "I041", "RotS"),
                    o.get("antenna_rotation_period_s"),
                    "I041",
                    n,
                );
                close(
                    val(t, "I120", "Height"),
                    o.get("source_height_m"),
                    "I120 height",
                    n,
                );
                if let Some(lat) = val(t, "I120", "LAT") {
                    // The peer's item definition rounds the LSB (180/2^23 degrees) to
                    // 2.14576e-5, which moves its values by up to 2e-5 degrees at
                    // these magnitudes; skyfence uses the exact LSB.
                    assert!((num(lat) - num(&o["source_lat_deg"])).abs() < 2e-5);
                    assert!(
                        (num(val(t, "I120", "Lon").unwrap()) - num(&o["source_lon_deg"])).abs()
                            < 2e-5
                    );
                }
                if let Some(nogo) = val(t, "I050", "NOGO") {
                    assert_eq!(
                        num(nogo) != 0.0,
                        o["nogo"].as_bool().unwrap(),
                        "record {n}: I050 NOGO"
                    );
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 160, "{compared} records compared");
}

fn sample(name: &str) -> PathBuf {
    let out = Command::new(peer_python("the ASTERIX peer test (asterix_decoder)"))
        .args([
            "-c",
            &format!("import asterix; print(asterix.get_sample_file('{name}'))"),
        ])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

#[test]
fn plots_become_polar_detections_of_the_radar_named_by_sac_sic() {
    let dir = tempfile::tempdir().unwrap();
    // The Croatian radar of the recording, SAC 25 SIC 13, at the position its own
    // CAT034 messages report; the other radar is left unnamed.
    let sensors = dir.path().join("sensors.jsonl");
    std::fs::write(
        &sensors,
        "{\"sensor\":\"split-ssr\",\"kind\":\"radar\",\"lat_deg\":43.57102202219,\"lon_deg\":16.40606241326,\"alt_m\":780,\"sac\":25,\"sic\":13,\"sigma_range_m\":40,\"sigma_azimuth_deg\":0.06}\n",
    )
    .unwrap();
    let out = run_ok(
        bin()
            .args(["decode", "asterix", "-q", "--sensors"])
            .arg(&sensors)
            .arg(sample("cat_034_048.pcap")),
    );
    let dets: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dets.len(), 126);
    let named: Vec<&Value> = dets.iter().filter(|d| d["sensor"] == "split-ssr").collect();
    assert!(!named.is_empty());
    for d in &named {
        assert_eq!(d["sigma_range_m"], 40.0);
        assert_eq!(d["sigma_azimuth_deg"], 0.06);
        // A flight level and the radar's height give an elevation: aircraft at
        // cruise 100-200 NM away are a degree or two up.
        let el = d["elevation_deg"].as_f64().unwrap();
        assert!((-1.0..10.0).contains(&el), "{el}");
        // The capture's clock dates the time of day: 5 May 2016.
        let t = d["time_s"].as_f64().unwrap();
        assert!((1_462_406_400.0..1_462_492_800.0).contains(&t), "{t}");
    }
    assert!(dets
        .iter()
        .any(|d| d["sensor"] == "asterix-25-201" && d.get("elevation_deg").is_none()));
    // A sensors file that names no ASTERIX radar is a mistake, said so.
    std::fs::write(
        &sensors,
        "{\"sensor\":\"r\",\"kind\":\"radar\",\"lat_deg\":1,\"lon_deg\":1}\n",
    )
    .unwrap();
    let o = bin()
        .args(["decode", "asterix", "--sensors"])
        .arg(&sensors)
        .arg(sample("cat048.raw"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("sac"));
}

#[test]
fn cat062_tracks_from_serve_decode_in_ast_tool_py_to_the_served_tracks() {
    let tool = peer_ast_tool();
    let python = peer_python("the CAT062 peer test");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let api = free_port();
    let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(std::time::Duration::from_millis(500)))
        .unwrap();
    let cfg = serve_common::config(
        d,
        api,
        &format!(
            "\
             [[input]]\nkind = \"sim\"\nscenario = \"quad-night-crossing\"\nspeed = 60\n\n\
             [[output]]\nkind = \"asterix\"\naddress = \"{}\"\nsac = 7\nsic = 9\nbirds = true\n\n\
             [[output]]\nkind = \"tracks\"\npath = \"tracks.jsonl\"\n",
            rx.local_addr().unwrap()
        ),
    );
    let s = Serve::start(&cfg, api, &[]);
    let t0 = std::time::Instant::now();
    let mut datagrams: Vec<Vec<u8>> = Vec::new();
    let mut buf = vec![0u8; 65536];
    while datagrams.len() < 15 && t0.elapsed() < std::time::Duration::from_secs(60) {
        if let Ok(n) = rx.recv(&mut buf) {
            datagrams.push(buf[..n].to_vec());
        }
    }
    let (ok, err) = s.stop();
    assert!(ok, "{err}");
    assert!(
        datagrams.len() >= 15,
        "only {} CAT062 datagrams",
        datagrams.len()
    );
    let hexfile = d.join("062.hex");
    let hex: String = datagrams
        .iter()
        .map(|g| g.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\n")
        .collect();
    std::fs::write(&hexfile, hex).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/ast062_decode.py");
    let out = Command::new(python)
        .arg(script)
        .arg(&tool)
        .arg(&hexfile)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ast-tool-py refused skyfence's CAT062: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(records.len() >= 15, "{} records", records.len());
    // The served tracks, by (track, time of day in 1/128 s).
    let tracks: Vec<Value> = std::fs::read_to_string(d.join("tracks.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let q = |r: &Value, k: &str| {
        r[k]["quantity"]
            .as_f64()
            .unwrap_or_else(|| panic!("{k} missing in {r}"))
    };
    let v = |r: &Value, k: &str| {
        r[k]["value"]
            .as_i64()
            .unwrap_or_else(|| panic!("{k} missing in {r}"))
    };
    let mut matched = 0;
    for r in &records {
        assert_eq!(v(r, "010.SAC"), 7);
        assert_eq!(v(r, "010.SIC"), 9);
        let tn = v(r, "040") as u64;
        let tod = q(r, "070");
        let Some(t) = tracks.iter().find(|t| {
            t["track"].as_u64().unwrap() % 65_536 == tn
                && (t["time_s"].as_f64().unwrap().rem_euclid(86_400.0) - tod).abs() < 1.0 / 128.0
        }) else {
            continue;
        };
        matched += 1;
        let lsb = 180.0 / f64::from(1u32 << 25);
        assert!(
            (q(r, "105.LAT") - t["lat_deg"].as_f64().unwrap()).abs() <= lsb,
            "{r} vs {t}"
        );
        assert!(
            (q(r, "105.LON") - t["lon_deg"].as_f64().unwrap()).abs() <= lsb,
            "{r} vs {t}"
        );
        assert!((q(r, "100.X") - t["x_m"].as_f64().unwrap()).abs() <= 0.5);
        assert!((q(r, "100.Y") - t["y_m"].as_f64().unwrap()).abs() <= 0.5);
        assert!((q(r, "185.VX") - t["vx_mps"].as_f64().unwrap()).abs() <= 0.25);
        assert!((q(r, "185.VY") - t["vy_mps"].as_f64().unwrap()).abs() <= 0.25);
        // Confirmed tracks only are served; the first report of each is marked.
        assert_eq!(v(r, "080.CNF"), 0);
        let alt_ft = t["alt_m"].as_f64().unwrap() / 0.3048;
        assert!((q(r, "130") - alt_ft).abs() <= 6.25, "{r} vs {t}");
        assert!(q(r, "500.APC.X") > 0.0);
    }
    assert!(
        matched * 10 >= records.len() * 9,
        "{matched} of {} records match a served track",
        records.len()
    );
}
