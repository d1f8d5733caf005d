//! Stops a browser bundle built without code splitting.
//!
//! The products, product and dashboard pages are lazy routes: their code is
//! split into wasm chunks fetched on first visit. `cargo leptos` only splits
//! the bundle when given `--split` (it then links the wasm with
//! `--emit-relocs`); without it the bundle builds, but the lazy pages cannot
//! load. Building through cargo-leptos (which sets `LEPTOS_OUTPUT_NAME`) for
//! the browser without that flag is therefore refused here, with the command
//! to type instead. Plain `cargo build`/`clippy` of the hydrate feature (no
//! bundle made) are left alone.

fn main() {
    println!("cargo::rerun-if-env-changed=LEPTOS_OUTPUT_NAME");
    println!("cargo::rerun-if-env-changed=RUSTFLAGS");
    let wasm = std::env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32"));
    let hydrate = std::env::var_os("CARGO_FEATURE_HYDRATE").is_some();
    let cargo_leptos = std::env::var_os("LEPTOS_OUTPUT_NAME").is_some();
    let split = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .is_ok_and(|flags| flags.split('\x1f').any(|f| f.contains("--emit-relocs")));
    if wasm && hydrate && cargo_leptos && !split {
        eprintln!(
            "\ncachescope's lazy pages need a split bundle: add --split \
             (cargo leptos watch --split, cargo leptos build --split).\n"
        );
        std::process::exit(1);
    }
}
