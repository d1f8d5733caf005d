//! Tells the app whether its browser bundle is split into chunks.
//!
//! The products, product, dashboard and key pages are lazy routes, and the
//! search page's live panels a lazy function: in a split bundle their code
//! is a wasm chunk fetched on first use. `cargo leptos` splits the bundle
//! only when given `--split` (it then links the wasm with `--emit-relocs`);
//! a bundle built without it cannot load chunks, so that build sets the
//! `cachescope_unsplit` cfg and the app compiles those routes as ordinary
//! async routes in one bundle (what plain `cargo leptos watch` gives a
//! developer). The scripts, tests and release builds use `--split`.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(cachescope_unsplit)");
    println!("cargo::rerun-if-env-changed=LEPTOS_OUTPUT_NAME");
    println!("cargo::rerun-if-env-changed=RUSTFLAGS");
    let wasm = std::env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32"));
    let hydrate = std::env::var_os("CARGO_FEATURE_HYDRATE").is_some();
    let cargo_leptos = std::env::var_os("LEPTOS_OUTPUT_NAME").is_some();
    let split = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .is_ok_and(|flags| flags.split('\x1f').any(|f| f.contains("--emit-relocs")));
    if wasm && hydrate && cargo_leptos && !split {
        println!("cargo::rustc-cfg=cachescope_unsplit");
    }
}
