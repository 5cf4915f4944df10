//! Fetches the map page's third-party libraries (web/package.json: milsymbol for the
//! military symbols, topojson-client and world-atlas for the offline basemap) with
//! `npm ci` into OUT_DIR, where the crate embeds them; nothing third-party is
//! committed. The install runs in OUT_DIR rather than web/ so builds of different
//! profiles (build, clippy, test) never race on one node_modules.
//!
//! Without npm (an offline machine), the build still succeeds with a warning: the
//! libraries are left empty and the page says it has no basemap or symbols.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the page loads, and where each comes from in node_modules.
const VENDOR: [(&str, &str); 3] = [
    ("milsymbol.js", "milsymbol/dist/milsymbol.js"),
    (
        "topojson-client.js",
        "topojson-client/dist/topojson-client.min.js",
    ),
    ("countries-50m.json", "world-atlas/countries-50m.json"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = manifest.join("../../web");
    for f in ["package.json", "package-lock.json"] {
        println!("cargo:rerun-if-changed={}", web.join(f).display());
    }
    println!("cargo:rerun-if-changed={}", web.join("src").display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let npm_dir = out.join("npm");
    let vendor = out.join("vendor");
    if let Err(e) =
        std::fs::create_dir_all(&npm_dir).and_then(|()| std::fs::create_dir_all(&vendor))
    {
        panic!("cannot create {}: {e}", out.display());
    }
    match install(&web, &npm_dir) {
        Ok(()) => {
            for (name, from) in VENDOR {
                let src = npm_dir.join("node_modules").join(from);
                if let Err(e) = std::fs::copy(&src, vendor.join(name)) {
                    panic!("copying {}: {e}", src.display());
                }
            }
        }
        Err(why) => {
            println!(
                "cargo:warning=the map page is built without its basemap and symbol libraries: {why}"
            );
            for (name, _) in VENDOR {
                let _ = std::fs::write(vendor.join(name), "");
            }
        }
    }
}

/// Runs `npm ci` (production dependencies only) unless the same lock file was already
/// installed here.
fn install(web: &Path, dir: &Path) -> Result<(), String> {
    let lock = std::fs::read(web.join("package-lock.json"))
        .map_err(|e| format!("reading web/package-lock.json: {e}"))?;
    let stamp = dir.join("installed-lock.json");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice())
        && dir.join("node_modules").is_dir()
    {
        return Ok(());
    }
    for f in ["package.json", "package-lock.json"] {
        std::fs::copy(web.join(f), dir.join(f)).map_err(|e| format!("copying web/{f}: {e}"))?;
    }
    let status = Command::new("npm")
        .args([
            "ci",
            "--omit=dev",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run npm ({e}); install Node.js and npm"))?;
    if !status.success() {
        return Err(format!("npm ci failed ({status}) in {}", dir.display()));
    }
    std::fs::write(&stamp, &lock).map_err(|e| format!("writing {}: {e}", stamp.display()))
}
