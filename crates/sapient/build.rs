//! Compiles proto/sapient.proto with protox (a protobuf compiler in Rust, so building
//! needs no `protoc`) and prost-build. The messages also derive `serde::Serialize`
//! for `skyfence decode sapient --messages`; timestamps are printed by the caller.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/sapient.proto");
    let fds = protox::compile(["proto/sapient.proto"], ["proto"])?;
    prost_build::Config::new()
        .type_attribute(".skyfence.sapient.v2", "#[derive(serde::Serialize)]")
        .field_attribute(
            ".skyfence.sapient.v2.SapientMessage.timestamp",
            "#[serde(skip)]",
        )
        .field_attribute(
            ".skyfence.sapient.v2.AssociatedDetection.timestamp",
            "#[serde(skip)]",
        )
        .compile_fds(fds)?;
    Ok(())
}
